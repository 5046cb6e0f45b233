import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isAllowedHost, newToken, presentedToken, tokenMatches } from '../../../electron/manager/control-api/auth';

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('Host check (DNS rebinding)', () => {
  it('accepts only our loopback names with our port', () => {
    expect(isAllowedHost('127.0.0.1:4000', 4000)).toBe(true);
    expect(isAllowedHost('localhost:4000', 4000)).toBe(true);
    expect(isAllowedHost('LocalHost:4000', 4000)).toBe(true);
    expect(isAllowedHost('attacker.example:4000', 4000)).toBe(false);
    expect(isAllowedHost('127.0.0.1:4001', 4000)).toBe(false);
    expect(isAllowedHost('127.0.0.1', 4000)).toBe(false);
    expect(isAllowedHost('[::1]:4000', 4000)).toBe(false);
    expect(isAllowedHost(undefined, 4000)).toBe(false);
  });
});

describe('token', () => {
  const url = (query = '') => new URL(`http://127.0.0.1:4000/api/cluster${query}`);

  it('is long and different every launch', () => {
    const a = newToken();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(newToken()).not.toBe(a);
  });

  it('is read from the Authorization header first', () => {
    expect(presentedToken(request({ authorization: 'Bearer abc' }), url('?token=zzz'), 4000)).toBe('abc');
    expect(presentedToken(request({ authorization: 'Basic abc' }), url('?token=zzz'), 4000)).toBeNull();
  });

  it('is read from ?token= for EventSource and the first page load', () => {
    expect(presentedToken(request({}), url('?token=abc'), 4000)).toBe('abc');
  });

  it("is read from this port's cookie only", () => {
    expect(presentedToken(request({ cookie: 'other=1; dfs_token_4000=abc' }), url(), 4000)).toBe('abc');
    expect(presentedToken(request({ cookie: 'dfs_token_4001=abc' }), url(), 4000)).toBeNull();
    expect(presentedToken(request({}), url(), 4000)).toBeNull();
  });

  it('matches exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});
