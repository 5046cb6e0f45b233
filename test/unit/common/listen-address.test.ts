import { describe, expect, it } from 'vitest';
import { advertisedHost, serverUrl } from '../../../node-runtime/common/listen-address';

describe('the host a node announces', () => {
  it('is the bound host when that is a real address', () => {
    expect(advertisedHost('10.0.0.5', { peerHost: '10.0.0.6' })).toBe('10.0.0.5');
  });
  it('is the host of its own --cluster entry when it listens on every interface', () => {
    for (const wildcard of ['', '0.0.0.0', '::']) expect(advertisedHost(wildcard, { peerHost: 'dfs-2.internal' })).toBe('dfs-2.internal');
  });
  it('falls back to loopback when neither names a reachable host', () => {
    expect(advertisedHost('0.0.0.0', { peerHost: '' })).toBe('127.0.0.1');
    expect(advertisedHost('::', { peerHost: '0.0.0.0' })).toBe('127.0.0.1');
  });
  it('is --advertise-host whenever one is given', () => {
    expect(advertisedHost('0.0.0.0', { explicit: 'files.example.org', peerHost: '10.0.0.6' })).toBe('files.example.org');
    expect(advertisedHost('10.0.0.5', { explicit: '203.0.113.9', peerHost: '' })).toBe('203.0.113.9');
  });
  it('puts IPv6 literals in brackets', () => {
    expect(serverUrl('http', 'fd00::1', 8081)).toBe('http://[fd00::1]:8081');
    expect(serverUrl('https', 'node-1', 443)).toBe('https://node-1:443');
  });
});
