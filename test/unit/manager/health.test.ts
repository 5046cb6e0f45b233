import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../node-runtime/common/api-types';
import { computeHealth, type ObservedNode } from '../../../electron/manager/cluster-view/health';

function status(id: number, role: NodeStatus['role'], term: number, leaderId: number | null, peers: number[] = [], learners: number[] = []): NodeStatus {
  const peer = (p: number, isLearner: boolean) => ({ id: p, url: null, isLearner, state: null, match: null, next: null, lastContactMs: null });
  return {
    id, role, term, leaderId, leaderUrl: null, commitIndex: 0, appliedIndex: 0, lastIndex: 0, snapshotIndex: 0, votedFor: null, logTerms: [],
    peers: [...peers.map((p) => peer(p, false)), ...learners.map((p) => peer(p, true))],
  };
}

const leader = (id: number, term: number, peers: number[], learners: number[] = []): ObservedNode => ({ id, status: status(id, 'leader', term, id, peers, learners) });
const follower = (id: number, term: number, leaderId: number | null): ObservedNode => ({ id, status: status(id, 'follower', term, leaderId) });
const down = (id: number): ObservedNode => ({ id, status: null });

describe('computeHealth', () => {
  it('is healthy with every voter following the leader: tolerates 1 failure of 3', () => {
    expect(computeHealth([leader(1, 2, [2, 3]), follower(2, 2, 1), follower(3, 2, 1)])).toEqual({
      leaderId: 1, term: 2, health: 'healthy', faultTolerance: 1, inQuorum: [1, 2, 3],
    });
  });

  it('is degraded with one of three down', () => {
    expect(computeHealth([leader(1, 2, [2, 3]), follower(2, 2, 1), down(3)])).toMatchObject({ health: 'degraded', faultTolerance: 0, inQuorum: [1, 2] });
  });

  it('has no quorum when only the leader answers', () => {
    expect(computeHealth([leader(1, 2, [2, 3]), down(2), down(3)])).toMatchObject({ leaderId: 1, health: 'noQuorum', faultTolerance: 0 });
  });

  it('has no quorum and no leader when nobody answers', () => {
    expect(computeHealth([down(1), down(2), down(3)])).toEqual({ leaderId: null, term: 0, health: 'noQuorum', faultTolerance: 0, inQuorum: [] });
  });

  it('follows the highest term: an isolated old leader does not count', () => {
    const view = computeHealth([leader(1, 2, [2, 3]), leader(2, 3, [1, 3]), follower(3, 3, 2)]);
    expect(view).toMatchObject({ leaderId: 2, term: 3, health: 'degraded', faultTolerance: 0, inQuorum: [2, 3] });
  });

  it('knows the leader by hearsay while the leader itself does not answer', () => {
    expect(computeHealth([down(1), follower(2, 4, 1), follower(3, 4, 1)])).toMatchObject({ leaderId: 1, health: 'noQuorum', inQuorum: [2, 3] });
  });

  it("counts voters from the leader's membership: learners do not count", () => {
    const view = computeHealth([leader(1, 2, [2, 3, 4, 5], [6]), follower(2, 2, 1), follower(3, 2, 1), follower(6, 2, 1), down(4), down(5)]);
    expect(view).toMatchObject({ health: 'degraded', faultTolerance: 0, inQuorum: [1, 2, 3] });
  });

  it('tolerates two failures of five', () => {
    const nodes = [leader(1, 7, [2, 3, 4, 5]), ...[2, 3, 4, 5].map((id) => follower(id, 7, 1))];
    expect(computeHealth(nodes)).toMatchObject({ health: 'healthy', faultTolerance: 2 });
  });

  it('has no quorum during an election (no leader in the newest term)', () => {
    const candidate = { id: 2, status: status(2, 'candidate', 5, null) };
    expect(computeHealth([candidate, follower(3, 5, null), down(1)])).toMatchObject({ leaderId: null, health: 'noQuorum' });
  });
});
