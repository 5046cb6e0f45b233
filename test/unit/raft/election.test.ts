// §5.2 Leader election, §5.1 terms.
import { describe, expect, it } from 'vitest';
import { ELECTION_TICKS, Network } from './network';

describe('§5.2 leader election', () => {
  it('a node that hears from no leader for an election timeout becomes candidate and wins a majority', () => {
    const net = new Network([1, 2, 3]);
    // Randomized timeouts lie in [T, 2T): after 2T ticks someone has campaigned and won.
    net.tickAll(2 * ELECTION_TICKS);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    const leader = leaders[0] as number;
    for (const id of [1, 2, 3]) {
      expect(net.status(id).leader).toBe(leader);
      expect(net.status(id).term).toBe(net.status(leader).term);
    }
  });
});
