import { describe, expect, it } from 'vitest';
import type { NodeStatus, RecoveryStatus } from '../../../node-runtime/common/api-types';
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
      leaderId: 1, term: 2, health: 'healthy', faultTolerance: 1, inQuorum: [1, 2, 3], behind: [],
    });
  });

  it('is degraded with one of three down', () => {
    expect(computeHealth([leader(1, 2, [2, 3]), follower(2, 2, 1), down(3)])).toMatchObject({ health: 'degraded', faultTolerance: 0, inQuorum: [1, 2] });
  });

  it('has no quorum when only the leader answers', () => {
    expect(computeHealth([leader(1, 2, [2, 3]), down(2), down(3)])).toMatchObject({ leaderId: 1, health: 'noQuorum', faultTolerance: 0 });
  });

  it('has no quorum and no leader when nobody answers', () => {
    expect(computeHealth([down(1), down(2), down(3)])).toEqual({ leaderId: null, term: 0, health: 'noQuorum', faultTolerance: 0, inQuorum: [], behind: [] });
  });

  it('follows the highest term: an isolated old leader does not count', () => {
    const view = computeHealth([leader(1, 2, [2, 3]), leader(2, 3, [1, 3]), follower(3, 3, 2)]);
    expect(view).toMatchObject({ leaderId: 2, term: 3, health: 'degraded', faultTolerance: 0, inQuorum: [2, 3] });
  });

  it('never names a leader that is down, however many followers still name it: an election is due', () => {
    expect(computeHealth([down(1), follower(2, 4, 1), follower(3, 4, 1)])).toMatchObject({ leaderId: null, health: 'electing', faultTolerance: 0, inQuorum: [] });
  });

  it('has no quorum, not an election, when only one of three is alive', () => {
    expect(computeHealth([down(1), follower(2, 4, 1), down(3)])).toMatchObject({ leaderId: null, health: 'noQuorum' });
  });

  it("counts voters from the leader's membership: learners do not count", () => {
    const view = computeHealth([leader(1, 2, [2, 3, 4, 5], [6]), follower(2, 2, 1), follower(3, 2, 1), follower(6, 2, 1), down(4), down(5)]);
    expect(view).toMatchObject({ health: 'degraded', faultTolerance: 0, inQuorum: [1, 2, 3] });
  });

  it('tolerates two failures of five', () => {
    const nodes = [leader(1, 7, [2, 3, 4, 5]), ...[2, 3, 4, 5].map((id) => follower(id, 7, 1))];
    expect(computeHealth(nodes)).toMatchObject({ health: 'healthy', faultTolerance: 2 });
  });

  it('is electing while a candidate asks for votes and a majority is alive', () => {
    const candidate = { id: 2, status: status(2, 'candidate', 5, null) };
    expect(computeHealth([candidate, follower(3, 5, null), down(1)])).toMatchObject({ leaderId: null, term: 5, health: 'electing' });
  });

  it('names a new leader as soon as it claims its term, electing until a majority follows it', () => {
    const fresh = computeHealth([leader(2, 5, [1, 3]), follower(3, 4, 1), down(1)]);
    expect(fresh).toMatchObject({ leaderId: 2, term: 5, health: 'electing', inQuorum: [2] });
    expect(computeHealth([leader(2, 5, [1, 3]), follower(3, 5, 2), down(1)])).toMatchObject({ leaderId: 2, health: 'degraded', inQuorum: [2, 3] });
  });

  describe('partitions', () => {
    it('an isolated leader that has not noticed yet is not the leader: the other two elect', () => {
      const view = computeHealth([{ ...leader(1, 3, [2, 3]), isolated: true }, follower(2, 3, 1), follower(3, 3, 1)]);
      expect(view).toMatchObject({ leaderId: null, health: 'electing', inQuorum: [] });
    });

    it('an isolated follower is out of the quorum though it still answers', () => {
      const view = computeHealth([leader(1, 3, [2, 3]), follower(2, 3, 1), { ...follower(3, 3, 1), isolated: true }]);
      expect(view).toMatchObject({ leaderId: 1, health: 'degraded', faultTolerance: 0, inQuorum: [1, 2] });
    });

    it('a minority side alone has no quorum', () => {
      const view = computeHealth([{ ...leader(1, 3, [2, 3]), isolated: true }, down(2), down(3)]);
      expect(view).toMatchObject({ leaderId: null, health: 'noQuorum' });
    });
  });

  describe('in sync', () => {
    function withMatch(commit: number, match2: number, match3: number): ObservedNode {
      const base = leader(1, 2, [2, 3]);
      const s = base.status as NodeStatus;
      const peers = s.peers.map((p) => ({ ...p, match: p.id === 2 ? match2 : match3 }));
      return { id: 1, status: { ...s, commitIndex: commit, lastIndex: commit, peers } };
    }

    it('a follower the leader has not confirmed up to its commit index is behind: degraded', () => {
      const view = computeHealth([withMatch(40, 40, 31), follower(2, 2, 1), follower(3, 2, 1)]);
      expect(view).toMatchObject({ health: 'degraded', behind: [3], inQuorum: [1, 2, 3], faultTolerance: 1 });
      expect(computeHealth([withMatch(40, 40, 40), follower(2, 2, 1), follower(3, 2, 1)])).toMatchObject({ health: 'healthy', behind: [] });
    });

    it('a node still missing chunks is behind, however complete its log', () => {
      const recovery = (chunksMissing: number) => ({ catchingUp: chunksMissing > 0, chunksMissing }) as RecoveryStatus;
      const view = computeHealth([withMatch(40, 40, 40), follower(2, 2, 1), { ...follower(3, 2, 1), recovery: recovery(3) }]);
      expect(view).toMatchObject({ health: 'degraded', behind: [3] });
    });
  });
});
