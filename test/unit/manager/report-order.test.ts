// Which report of a node's Raft state wins when reports arrive out of order: late polls, events
// that overtook them, restarts.
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../node-runtime/common/api-types';
import { supersedes, type StatusReading } from '../../../electron/manager/cluster-view/report-order';

function reading(term: number, role: NodeStatus['role'], asOf: number, incarnation = 1): StatusReading {
  const status: NodeStatus = {
    id: 2, role, term, leaderId: role === 'leader' ? 2 : null, leaderUrl: null, votedFor: null,
    commitIndex: 0, appliedIndex: 0, lastIndex: 0, snapshotIndex: 0, logTerms: [], peers: [],
  };
  return { status, incarnation, asOf };
}

describe('supersedes', () => {
  it('takes the first report there is', () => {
    expect(supersedes(reading(1, 'follower', 10), null)).toBe(true);
  });

  it('never lets a lower term override a higher one, even when it was sent later', () => {
    const known = reading(6, 'candidate', 100);
    expect(supersedes(reading(5, 'leader', 200), known)).toBe(false);
    expect(supersedes(reading(7, 'follower', 50), known)).toBe(true);
  });

  it('within a term, a poll sent before the latest event is stale (it may show the state before it)', () => {
    const event = reading(6, 'leader', 100);
    expect(supersedes(reading(6, 'candidate', 90), event)).toBe(false);
    expect(supersedes(reading(6, 'follower', 120), event)).toBe(true);
  });

  it('a restarted node starts a new history: its reports win over the old run, never the reverse', () => {
    const oldRun = reading(9, 'leader', 100, 1);
    const newRun = reading(9, 'follower', 50, 2);
    expect(supersedes(newRun, oldRun)).toBe(true);
    expect(supersedes(reading(9, 'leader', 300, 1), newRun)).toBe(false);
  });

  it('a new run with a lower term (its data was wiped) is still the truth', () => {
    expect(supersedes(reading(1, 'follower', 10, 3), reading(9, 'leader', 100, 2))).toBe(true);
  });
});
