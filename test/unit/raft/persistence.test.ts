// The Ready contract (persist, then send, then apply, then advance), restarts from storage, and the
// dontPersistVote / skipVoteLogCheck knobs that break what persistence and voting protect.
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../../node-runtime/raft/errors';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { TestingKnobs } from '../../../node-runtime/raft/types';
import { Network, bytes, seededRandom } from './network';

function singleNode(storage = MemoryStorage.withVoters([1])): RawNode {
  return new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1) });
}

describe('the Ready contract', () => {
  it('a vote is handed out as hard state to persist, in the same Ready as the response that depends on it', () => {
    const net = new Network([1, 2, 3]);
    net.raw(1).campaign();
    const request = net.takeMessages().find((m) => m.to === 2);
    net.raw(2).step(request as NonNullable<typeof request>);
    const rd = net.raw(2).ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages.map((m) => [m.type, m.reject])).toEqual([['voteResp', false]]);
    net.node(2).storage.setHardState(rd.hardState as NonNullable<typeof rd.hardState>);
    net.raw(2).advance(rd);
    expect(net.raw(2).hasReady()).toBe(false);
  });

  it('new entries are handed out to persist in the Ready that carries the appends they feed', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.raw(1).propose(bytes('p'));
    const rd = net.raw(1).ready();
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    expect(rd.mustSync).toBe(true);
    expect(rd.messages.filter((m) => m.type === 'app').every((m) => m.entries.every((e) => e.index <= 3))).toBe(true);
    expect(rd.committedEntries).toEqual([]);
  });

  it('advance() throws when the driver did not persist the entries of the Ready', () => {
    const raw = singleNode();
    raw.campaign();
    const rd = raw.ready();
    expect(rd.entries).toHaveLength(1);
    expect(() => raw.advance(rd)).toThrow(/Ready.entries were not persisted/);
  });

  it('advance() throws when the driver did not persist the hard state of the Ready', () => {
    const storage = MemoryStorage.withVoters([1]);
    const raw = singleNode(storage);
    raw.campaign();
    const rd = raw.ready();
    storage.append(rd.entries);
    expect(() => raw.advance(rd)).toThrow(/Ready.hardState was not persisted/);
  });

  it('ready() twice without advance() throws', () => {
    const raw = singleNode();
    raw.campaign();
    raw.ready();
    expect(() => raw.ready()).toThrow(RaftInvariantError);
  });

  it('a restarted node recovers term, vote, log and commit from storage and applies nothing twice', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.propose(1, 'b');
    const before = net.status(2);
    net.crash(2);
    net.restart(2);
    const after = net.status(2);
    expect(after).toMatchObject({ term: before.term, vote: before.vote, lastIndex: before.lastIndex, commit: before.commit, role: 'follower' });
    net.stabilize();
    expect(net.appliedData(2)).toEqual(['a', 'b']);
  });

  it('a follower whose disk was wiped is re-replicated from scratch by the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    for (let i = 0; i < 3; i++) net.propose(1, `w${i}`);
    net.crash(3);
    net.nodes.delete(3);
    net.add(3, MemoryStorage.withVoters([1, 2, 3]));
    net.tickAll(3);
    expect(net.status(1).progress?.[3]?.match).toBe(net.status(1).lastIndex);
    expect(net.appliedData(3)).toEqual(['w0', 'w1', 'w2']);
  });

  it('a node that voted and restarted does not vote for someone else in the same term', () => {
    const { leaders, votesFrom3 } = doubleVoteScenario({});
    expect(votesFrom3).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(leaders).toEqual([1]);
  });

  it('knob dontPersistVote: the vote is left out of hard state, so after a restart the node votes twice and two leaders share a term', () => {
    const { leaders, votesFrom3, term } = doubleVoteScenario({ dontPersistVote: true });
    expect(votesFrom3).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(leaders).toEqual([1, 2]);
    expect(term).toEqual([1, 1]);
  });
});

/**
 * Nodes 1 and 2 both campaign in term 1. Node 3 votes for node 1, crashes, restarts, and then hears
 * node 2's request. Node 1's and node 2's own votes for themselves make any second vote decisive.
 */
function doubleVoteScenario(knobs: TestingKnobs): { leaders: number[]; votesFrom3: [number, boolean][]; term: number[] } {
  const net = new Network([1, 2, 3], { testingKnobs: knobs });
  net.raw(1).campaign();
  net.raw(2).campaign();
  const requests = net.takeMessages().filter((m) => m.to === 3);
  const fromOne = requests.find((m) => m.from === 1);
  const fromTwo = requests.find((m) => m.from === 2);
  if (fromOne === undefined || fromTwo === undefined) throw new Error('missing vote requests');
  net.deliver(fromOne);
  const firstAnswers = net.takeMessages();
  net.crash(3);
  net.restart(3);
  net.deliver(fromTwo);
  const secondAnswers = net.takeMessages();
  const answers = [...firstAnswers, ...secondAnswers].filter((m) => m.type === 'voteResp');
  for (const m of answers) net.deliver(m);
  net.takeMessages();
  return {
    leaders: net.leaders().sort(),
    votesFrom3: answers.map((m) => [m.to, m.reject]),
    term: net.leaders().sort().map((id) => net.status(id).term),
  };
}

describe('knob skipVoteLogCheck', () => {
  it('without it a stale candidate loses; with it the stale candidate wins and applies a different entry at a committed index', () => {
    const run = (knobs: TestingKnobs) => {
      const net = new Network([1, 2, 3], { testingKnobs: knobs });
      net.elect(1);
      net.isolate(3);
      net.propose(1, 'committed');
      net.heal();
      net.raw(3).campaign();
      for (const m of net.takeMessages()) net.deliver(m);
      for (const m of net.takeMessages()) if (m.type === 'voteResp') net.deliver(m);
      return net;
    };
    expect(run({}).status(3).role).toBe('follower');

    const broken = run({ skipVoteLogCheck: true });
    expect(broken.status(3).role).toBe('leader');
    broken.stabilize();
    // Its no-op lands on index 3, where 'committed' already sits on a majority and was applied.
    const appliedAt3 = (id: number) => broken.node(id).applied.find((e) => e.index === 3);
    expect(appliedAt3(1)).toMatchObject({ term: 1 });
    expect(appliedAt3(3)).toMatchObject({ term: 2 });
  });
});
