// §5.3 Log replication and §5.4 safety of commitment.
import { describe, expect, it } from 'vitest';
import { Network } from './network';

describe('§5.3 log replication', () => {
  it('a committed proposal is applied by every node in the same order', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.propose(1, 'b');
    for (const id of [1, 2, 3]) expect(net.appliedData(id)).toEqual(['a', 'b']);
    expect(net.status(1).commit).toBe(3);
  });
});
