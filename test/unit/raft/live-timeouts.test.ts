// Live configuration: the election and heartbeat timeouts change on a running core.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import { seededRandom } from './network';

/** Ticks a lone follower of a three-node cluster until it starts an election; returns how many. */
function ticksUntilCampaign(raw: RawNode, limit: number): number {
  for (let tick = 1; tick <= limit; tick++) {
    raw.tick();
    if (raw.hasReady()) {
      const rd = raw.ready();
      raw.advance(rd);
      if (rd.messages.some((m) => m.type === 'preVote' || m.type === 'vote')) return tick;
    }
  }
  return Infinity;
}

function follower(): RawNode {
  return new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage: MemoryStorage.withVoters([1, 2, 3]), random: seededRandom(7), preVote: true });
}

describe('live timeouts', () => {
  it('campaigns within the randomized range [t, 2t) of the configured election timeout', () => {
    const ticks = ticksUntilCampaign(follower(), 100);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(ticks).toBeLessThan(20);
  });

  it('a longer election timeout set while running delays the next election accordingly', () => {
    const raw = follower();
    raw.setTimeouts(60, 6);
    const ticks = ticksUntilCampaign(raw, 500);
    expect(ticks).toBeGreaterThanOrEqual(60);
    expect(ticks).toBeLessThan(120);
  });

  it('refuses timeouts that would let followers campaign against a live leader', () => {
    expect(() => follower().setTimeouts(5, 5)).toThrow(/electionTicks must exceed heartbeatTicks/);
  });
});
