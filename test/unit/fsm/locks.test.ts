import { describe, expect, it } from 'vitest';
import type { LockAcquireCommand } from '../../../node-runtime/fsm/commands';
import { Driver, observable, put } from './builders';

function acquire(name: string, at: number, extra: Partial<LockAcquireCommand> = {}): LockAcquireCommand {
  return { type: 'lockAcquire', name, owner: 'alice', token: 'tok-a', ttlMs: 1000, at, ...extra };
}

describe('lock lifecycle', () => {
  it('acquire → renew → release', () => {
    const d = new Driver();
    const acquired = d.ok(acquire('a', 100));
    expect(acquired).toEqual({ ok: true, type: 'lockAcquire', lock: { name: 'a', owner: 'alice', token: 'tok-a', acquiredAt: 100, expiresAt: 1100 } });
    expect(d.machine.lockOf('a')?.expiresAt).toBe(1100);

    const renewed = d.ok({ type: 'lockRenew', name: 'a', token: 'tok-a', ttlMs: 5000, at: 900 });
    expect(renewed.type === 'lockRenew' && renewed.lock).toMatchObject({ acquiredAt: 100, expiresAt: 5900 });

    const released = d.ok({ type: 'lockRelease', name: 'a', token: 'tok-a', at: 1000 });
    expect(released.type === 'lockRelease' && released.lock.owner).toBe('alice');
    expect(d.machine.lockOf('a')).toBeUndefined();
    expect(d.machine.listLocks()).toEqual([]);
  });

  it('may lock a name before the file exists', () => {
    const d = new Driver();
    d.ok(acquire('new.txt', 1));
    d.ok(put('new.txt', 3, 2, { lockToken: 'tok-a' }));
    expect(d.machine.get('new.txt')?.size).toBe(3);
  });

  it('refuses a second acquire while the lease is live, even by the same owner', () => {
    const d = new Driver();
    d.ok(acquire('a', 100));
    expect(d.rejected(acquire('a', 200, { owner: 'bob', token: 'tok-b' }))).toEqual({ code: 'locked', name: 'a', owner: 'alice', expiresAt: 1100 });
    expect(d.rejected(acquire('a', 300, { token: 'tok-a2' })).code).toBe('locked');
  });

  it('renew and release need the holder token', () => {
    const d = new Driver();
    d.ok(acquire('a', 100));
    expect(d.rejected({ type: 'lockRenew', name: 'a', token: 'wrong', ttlMs: 10, at: 200 })).toEqual({ code: 'lock_token_invalid', name: 'a', reason: 'token_mismatch' });
    expect(d.rejected({ type: 'lockRelease', name: 'a', token: 'wrong', at: 200 })).toMatchObject({ reason: 'token_mismatch' });
    expect(d.rejected({ type: 'lockRelease', name: 'b', token: 'tok-a', at: 200 })).toEqual({ code: 'lock_token_invalid', name: 'b', reason: 'no_active_lock' });
    expect(d.machine.lockOf('a')?.expiresAt).toBe(1100);
  });

  it('lists live locks sorted by name', () => {
    const d = new Driver();
    d.ok(acquire('c', 1, { token: 't1' }));
    d.ok(acquire('a', 2, { token: 't2' }));
    d.ok(acquire('b', 3, { token: 't3' }));
    expect(d.machine.listLocks().map((l) => l.name)).toEqual(['a', 'b', 'c']);
  });

  it('rejects invalid names and non-positive ttl', () => {
    const d = new Driver();
    expect(d.rejected(acquire('../x', 1)).code).toBe('name_invalid');
    expect(d.rejected({ type: 'lockRenew', name: '../x', token: 't', ttlMs: 1, at: 1 }).code).toBe('name_invalid');
    expect(d.rejected({ type: 'lockRelease', name: '/abs', token: 't', at: 1 }).code).toBe('name_invalid');
    expect(d.rejected(acquire('a', 1, { ttlMs: 0 })).code).toBe('bad_request');
    expect(d.rejected(acquire('a', 1, { owner: '' })).code).toBe('bad_request');
  });
});

describe('writes under a lock', () => {
  it('put and delete without the token are locked; with it they succeed', () => {
    const d = new Driver();
    d.ok(put('a', 1, 1));
    d.ok(acquire('a', 100));
    expect(d.rejected(put('a', 2, 200))).toEqual({ code: 'locked', name: 'a', owner: 'alice', expiresAt: 1100 });
    expect(d.rejected(put('a', 2, 200, { lockToken: 'wrong' })).code).toBe('locked');
    expect(d.rejected({ type: 'delete', name: 'a', at: 200 }).code).toBe('locked');
    d.ok(put('a', 2, 300, { lockToken: 'tok-a' }));
    d.ok({ type: 'delete', name: 'a', at: 400, lockToken: 'tok-a' });
    // The lease is on the name, not on the content: it outlives the delete.
    expect(d.machine.lockOf('a')?.owner).toBe('alice');
  });

  it('a token for a lease that no longer exists is refused, not ignored', () => {
    const d = new Driver();
    d.ok(acquire('a', 100));
    d.ok({ type: 'lockRelease', name: 'a', token: 'tok-a', at: 200 });
    expect(d.rejected(put('a', 1, 300, { lockToken: 'tok-a' }))).toEqual({ code: 'lock_token_invalid', name: 'a', reason: 'no_active_lock' });
    d.ok(put('a', 1, 300));
  });

  it('locks on one name do not affect others', () => {
    const d = new Driver();
    d.ok(acquire('a', 1));
    d.ok(put('b', 1, 2));
  });
});

describe('expiry in log time', () => {
  it('a lease is live while at < expiresAt and expired once at ≥ expiresAt', () => {
    const d = new Driver();
    d.ok(acquire('a', 1000, { ttlMs: 500 }));
    expect(d.rejected(put('a', 1, 1499)).code).toBe('locked');
    d.ok(put('a', 1, 1500));
    expect(d.machine.lockOf('a')).toBeUndefined();
  });

  it('tick advances log time and reports the leases it expired', () => {
    const d = new Driver();
    d.ok(acquire('b', 0, { ttlMs: 100, token: 't1' }));
    d.ok(acquire('a', 0, { ttlMs: 100, token: 't2' }));
    d.ok(acquire('c', 0, { ttlMs: 500, token: 't3' }));
    expect(d.ok({ type: 'tick', at: 99 })).toEqual({ ok: true, type: 'tick', expiredLocks: [] });
    expect(d.ok({ type: 'tick', at: 100 })).toEqual({ ok: true, type: 'tick', expiredLocks: ['a', 'b'] });
    expect(d.machine.listLocks().map((l) => l.name)).toEqual(['c']);
  });

  it('an expired lease can be taken by someone else', () => {
    const d = new Driver();
    d.ok(acquire('a', 0, { ttlMs: 100 }));
    const taken = d.ok(acquire('a', 100, { owner: 'bob', token: 'tok-b' }));
    expect(taken.type === 'lockAcquire' && taken.lock).toMatchObject({ owner: 'bob', expiresAt: 1100 });
  });

  it('renewing or releasing an expired lease is refused', () => {
    const d = new Driver();
    d.ok(acquire('a', 0, { ttlMs: 100 }));
    expect(d.rejected({ type: 'lockRenew', name: 'a', token: 'tok-a', ttlMs: 100, at: 150 })).toMatchObject({ reason: 'no_active_lock' });
    expect(d.rejected({ type: 'lockRelease', name: 'a', token: 'tok-a', at: 150 })).toMatchObject({ reason: 'no_active_lock' });
  });

  it('log time never goes backwards: an entry with an older clock cannot revive a lease', () => {
    const d = new Driver();
    d.ok(acquire('a', 1000, { ttlMs: 100 }));
    d.ok({ type: 'tick', at: 2000 });
    // A new leader whose clock lags proposes at 1050, inside the old lease.
    d.ok(put('a', 1, 1050));
    expect(d.machine.now()).toBe(2000);
    expect(d.machine.get('a')).toMatchObject({ createdAt: 2000, modifiedAt: 2000 });
  });

  it('expiry on a rejected entry is the only change it makes', () => {
    const d = new Driver();
    d.ok(acquire('a', 0, { ttlMs: 100 }));
    const before = observable(d.machine);
    expect(d.rejected({ type: 'delete', name: 'missing', at: 50 }).code).toBe('not_found');
    expect(observable(d.machine)).toEqual(before);
    expect(d.rejected({ type: 'delete', name: 'missing', at: 100 }).code).toBe('not_found');
    expect(d.machine.listLocks()).toEqual([]);
  });
});

describe('delete with a stale token', () => {
  it('is refused as lock_token_invalid and the file stays', () => {
    const d = new Driver();
    d.ok(put('a', 1, 1));
    expect(d.rejected({ type: 'delete', name: 'a', at: 2, lockToken: 'old' })).toEqual({ code: 'lock_token_invalid', name: 'a', reason: 'no_active_lock' });
    expect(d.machine.get('a')).toBeDefined();
  });
});
