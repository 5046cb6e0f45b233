// Lock expiry against a real state machine: the leader proposes a tick once a lease has ended by
// its clock, the tick drops the lease, and nothing is proposed when nothing is due.
import { describe, expect, it } from 'vitest';
import { LockExpiry } from '../../../node-runtime/services/lock-expiry';
import { FakeClock } from './fake-clock';
import { Catalog } from './fixtures';

function setup(isLeader = true) {
  const catalog = new Catalog();
  const clock = new FakeClock();
  const proposed: number[] = [];
  const expiry = new LockExpiry({
    isLeader: () => isLeader,
    leaseEnds: () => catalog.fsm.listLocks().map((l) => l.expiresAt),
    proposeTick: async (at) => {
      proposed.push(at);
      return catalog.tick(at);
    },
    clock,
  });
  return { catalog, clock, proposed, expiry };
}

describe('LockExpiry', () => {
  it('proposes nothing while every lease is live', async () => {
    const { catalog, clock, proposed, expiry } = setup();
    catalog.lock('a', 1_000, clock.now());
    expect(await expiry.check()).toBeNull();
    expect(proposed).toEqual([]);
  });

  it('ticks once a lease has ended, and the tick drops it from the replicated state', async () => {
    const { catalog, clock, proposed, expiry } = setup();
    catalog.lock('a', 1_000, clock.now());
    catalog.lock('b', 5_000, clock.now());
    await clock.advance(1_000);
    expect(await expiry.check()).toEqual({ expired: 1, names: 'a', expiredTotal: 1 });
    expect(proposed).toEqual([clock.now()]);
    expect(catalog.fsm.listLocks().map((l) => l.name)).toEqual(['b']);
    expect(await expiry.check()).toBeNull();
    await clock.advance(4_000);
    expect(await expiry.check()).toMatchObject({ expired: 1, names: 'b', expiredTotal: 2 });
  });

  it('leaves expiry to the leader', async () => {
    const { catalog, clock, proposed, expiry } = setup(false);
    catalog.lock('a', 1_000, clock.now());
    await clock.advance(10_000);
    expect(await expiry.check()).toBeNull();
    expect(proposed).toEqual([]);
  });
});
