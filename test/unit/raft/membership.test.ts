// §6 cluster membership changes: single-server changes, learners, joint consensus.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import type { ConfChange, Message } from '../../../node-runtime/raft/types';
import { ELECTION_TICKS, Network, bytes } from './network';

const addVoter = (nodeId: number): ConfChange => ({ changes: [{ op: 'addVoter', nodeId }], transition: 'auto' });
const addLearner = (nodeId: number): ConfChange => ({ changes: [{ op: 'addLearner', nodeId }], transition: 'auto' });
const removeNode = (nodeId: number): ConfChange => ({ changes: [{ op: 'removeNode', nodeId }], transition: 'auto' });

function changeConf(net: Network, leader: number, cc: ConfChange): void {
  const r = net.raw(leader).proposeConfChange(cc);
  if (!r.ok) throw new Error(`conf change refused: ${JSON.stringify(r)}`);
  net.stabilize();
}

describe('§6 membership changes', () => {
  it('a new voter joins with an empty log, catches up and counts toward the quorum', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'before');
    net.add(4, new MemoryStorage());
    changeConf(net, 1, addVoter(4));
    expect(net.status(1).confState.voters).toEqual([1, 2, 3, 4]);
    expect(net.status(4).confState.voters).toEqual([1, 2, 3, 4]);
    expect(net.appliedData(4)).toEqual(['before']);
    // With 4 voters a quorum is 3: nodes 1 and 4 alone cannot commit.
    net.crash(2);
    net.crash(3);
    net.raw(1).propose(bytes('needs-3'));
    net.stabilize();
    expect(net.appliedData(4)).toEqual(['before']);
    net.restart(2);
    net.tickAll(2);
    expect(net.appliedData(4)).toEqual(['before', 'needs-3']);
  });

  it('a removed follower stops counting: two of the remaining two commit', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    changeConf(net, 1, removeNode(3));
    expect(net.status(1).confState.voters).toEqual([1, 2]);
    net.crash(3);
    net.propose(1, 'after');
    expect(net.appliedData(2)).toEqual(['after']);
  });

  it('a removed leader hands over to a caught-up voter and steps down', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    changeConf(net, 1, removeNode(1));
    // It leads no more: proposals are refused while it hands over...
    expect(net.raw(1).propose(bytes('late')).ok).toBe(false);
    const handover = net.sent.find((m) => m.type === 'timeoutNow');
    expect(handover?.from).toBe(1);
    expect(net.leaders().filter((id) => id !== 1)).toHaveLength(1);
    // ...and the new leader's term reaches it through the answers to its heartbeats.
    net.tickAll(ELECTION_TICKS);
    expect(net.status(1).role).toBe('follower');
    const afterRemoval = net.sent.length;
    net.tickAll(3 * ELECTION_TICKS);
    expect(net.leaders()).toHaveLength(1);
    expect([2, 3]).toContain(net.leaders()[0]);
    // The removed node is no longer a voter and never campaigns.
    expect(net.sent.slice(afterRemoval).some((m) => m.from === 1 && (m.type === 'vote' || m.type === 'preVote'))).toBe(false);
  });

  it('a removed leader keeps trying to hand over until a successor takes over', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.filter = (m) => m.type !== 'timeoutNow';
    changeConf(net, 1, removeNode(1));
    net.tickAll(2 * ELECTION_TICKS);
    expect(net.status(1).role).toBe('leader');
    expect(net.sent.filter((m) => m.type === 'timeoutNow').length).toBeGreaterThan(1);
    expect(net.raw(1).propose(bytes('x'))).toMatchObject({ ok: false });
    expect(net.raw(1).readIndex('r')).toEqual({ ok: false, reason: 'notLeader', leader: 0 });
    net.filter = undefined;
    net.tickAll(2 * ELECTION_TICKS);
    expect(net.status(1).role).toBe('follower');
    expect(net.leaders()).toHaveLength(1);
    expect(net.leaders()[0]).not.toBe(1);
  });

  it('a removed leader whose first choice of successor is down hands over to another voter', () => {
    // Voters 2, 3 and 4 hold the whole log (a tie); 2, the first of them, dies before taking over.
    const net = new Network([1, 2, 3, 4]);
    net.elect(1);
    net.filter = (m) => !(m.type === 'timeoutNow' && m.to === 2);
    changeConf(net, 1, removeNode(1));
    expect(net.sent.some((m) => m.type === 'timeoutNow' && m.to === 2)).toBe(true);
    net.crash(2);
    net.tickAll(3 * ELECTION_TICKS);
    expect(net.leaders()).toHaveLength(1);
    expect([3, 4]).toContain(net.leaders()[0]);
  });

  it('a learner does not vote and is not counted', () => {
    const net = new Network([1, 2, 3], {}, [3]);
    net.elect(1);
    expect(net.sent.some((m) => m.type === 'vote' && m.to === 3)).toBe(false);
    net.crash(2);
    net.raw(1).propose(bytes('needs-2'));
    net.stabilize();
    // The learner has the entry, but only voters make a quorum: nothing commits.
    expect(net.node(3).storage.lastIndex()).toBe(3);
    expect(net.status(1).commit).toBe(2);
  });

  it('a learner receives the log and applies it', () => {
    const net = new Network([1, 2]);
    net.elect(1);
    net.add(3, new MemoryStorage());
    changeConf(net, 1, addLearner(3));
    net.propose(1, 'x');
    expect(net.appliedData(3)).toEqual(['x']);
    expect(net.status(1).progress?.[3]).toMatchObject({ isLearner: true });
  });

  it('a learner catches up before promotion: promoting a lagging learner is refused', () => {
    const net = new Network([1, 2]);
    net.elect(1);
    net.add(3, new MemoryStorage());
    changeConf(net, 1, addLearner(3));
    net.isolate(3);
    for (let i = 0; i < 5; i++) net.propose(1, `p${i}`);
    expect(net.raw(1).proposeConfChange(addVoter(3))).toEqual({ ok: false, reason: 'dropped', leader: 1 });
    net.heal();
    net.tickAll(2);
    expect(net.status(1).progress?.[3]?.match).toBe(net.status(1).lastIndex);
    changeConf(net, 1, addVoter(3));
    expect(net.status(1).confState).toMatchObject({ voters: [1, 2, 3], learners: [] });
  });

  it('only one membership change may be pending at a time', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.add(4, new MemoryStorage());
    net.add(5, new MemoryStorage());
    expect(net.raw(1).proposeConfChange(addVoter(4)).ok).toBe(true);
    expect(net.raw(1).proposeConfChange(addVoter(5))).toEqual({ ok: false, reason: 'confChangePending', leader: 1 });
    net.stabilize();
    expect(net.raw(1).proposeConfChange(addVoter(5)).ok).toBe(true);
    net.stabilize();
    expect(net.status(1).confState.voters).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a change that is invalid for the current membership, so no node ever fails to apply it', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    changeConf(net, 1, removeNode(3));
    expect(net.status(1).confState.voters).toEqual([1, 2]);
    // Built against the old membership {1,2,3} it would leave {3}; against {1,2} it removes every voter.
    const stale: ConfChange = { changes: [{ op: 'removeNode', nodeId: 1 }, { op: 'removeNode', nodeId: 2 }], transition: 'joint' };
    const last = net.status(1).lastIndex;
    expect(net.raw(1).proposeConfChange(stale)).toEqual({ ok: false, reason: 'invalidConfChange', leader: 1 });
    // Forwarded by a follower, the leader drops it just the same: nothing reaches the log.
    expect(net.raw(2).proposeConfChange(stale).ok).toBe(true);
    net.stabilize();
    expect(net.status(1).lastIndex).toBe(last);
    net.tickAll(2);
    net.propose(1, 'still-alive');
    expect(net.appliedData(2)).toEqual(['still-alive']);
    expect(net.status(2).confState.voters).toEqual([1, 2]);
  });

  it('a follower forwards a membership change to the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    changeConf(net, 2, removeNode(3));
    expect(net.status(1).confState.voters).toEqual([1, 2]);
  });
});

describe('§6 joint consensus', () => {
  const replace: ConfChange = {
    changes: [
      { op: 'addVoter', nodeId: 4 },
      { op: 'addVoter', nodeId: 5 },
      { op: 'removeNode', nodeId: 2 },
      { op: 'removeNode', nodeId: 3 },
    ],
    transition: 'joint',
  };

  function jointCluster(): Network {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.add(4, new MemoryStorage());
    net.add(5, new MemoryStorage());
    changeConf(net, 1, replace);
    expect(net.status(1).confState).toMatchObject({ voters: [1, 4, 5], votersOutgoing: [1, 2, 3], autoLeave: false });
    return net;
  }

  it('while joint, a commit needs a majority of the old and of the new voters', () => {
    const net = jointCluster();
    net.crash(2);
    net.crash(3);
    net.raw(1).propose(bytes('joint'));
    net.stabilize();
    // New voters 4 and 5 hold it, but the old configuration {1,2,3} has only node 1.
    expect(net.appliedData(4)).toEqual([]);
    net.restart(2);
    net.tickAll(2);
    expect(net.appliedData(4)).toEqual(['joint']);
  });

  it('while joint, an election needs a majority of the old and of the new voters', () => {
    const net = jointCluster();
    net.crash(1);
    // Nodes 4 and 5 are a majority of {1,4,5} but not of {1,2,3}.
    net.crash(2);
    net.crash(3);
    net.elect(4);
    expect(net.status(4).role).toBe('candidate');
    net.restart(2);
    net.elect(4);
    // One of {1,2,3} is still not a majority of it.
    expect(net.status(4).role).not.toBe('leader');
    net.restart(3);
    net.elect(4);
    expect(net.status(4).role).toBe('leader');
  });

  it('leaving the joint configuration installs the new voters alone', () => {
    const net = jointCluster();
    changeConf(net, 1, { changes: [], transition: 'leaveJoint' });
    expect(net.status(1).confState).toMatchObject({ voters: [1, 4, 5], votersOutgoing: [] });
    net.crash(2);
    net.crash(3);
    net.propose(1, 'new-majority');
    expect(net.appliedData(5)).toEqual(['new-majority']);
  });

  it('with transition auto, several changes go joint and leave it by themselves', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.add(4, new MemoryStorage());
    changeConf(net, 1, { changes: [{ op: 'addVoter', nodeId: 4 }, { op: 'addLearner', nodeId: 3 }], transition: 'auto' });
    net.tickAll(2);
    expect(net.status(1).confState).toEqual({ voters: [1, 2, 4], learners: [3], votersOutgoing: [], learnersNext: [], autoLeave: false });
    expect(net.status(4).confState).toEqual(net.status(1).confState);
  });

  it('refuses a second joint change while joint, and leaveJoint while not joint', () => {
    const net = jointCluster();
    expect(net.raw(1).proposeConfChange(addVoter(6))).toMatchObject({ ok: false, reason: 'confChangePending' });
    changeConf(net, 1, { changes: [], transition: 'leaveJoint' });
    expect(net.raw(1).proposeConfChange({ changes: [], transition: 'leaveJoint' })).toMatchObject({ ok: false, reason: 'confChangePending' });
  });
});

describe('§6 elections after a membership change (changes take effect when applied)', () => {
  it('the only voter of the new configuration learns from a refused vote that the change committed, and leads', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    changeConf(net, 1, { changes: [{ op: 'removeNode', nodeId: 1 }, { op: 'removeNode', nodeId: 2 }], transition: 'joint' });
    expect(net.status(3).confState).toMatchObject({ voters: [3], votersOutgoing: [1, 2, 3] });
    // Leaving the joint configuration needs node 3 (the whole new half) to hold the entry...
    expect(net.raw(1).proposeConfChange({ changes: [], transition: 'leaveJoint' }).ok).toBe(true);
    const leaveIndex = net.status(1).lastIndex;
    for (const m of net.takeMessages()) net.deliver(m);
    net.processReady(net.node(3));
    // ...but from here on node 3 hears nothing: it never learns that the change committed, while
    // nodes 1 and 2 apply it, and their logs grow past node 3's.
    net.filter = (m) => m.to !== 3;
    expect(net.raw(1).propose(bytes('only-on-1-and-2')).ok).toBe(true);
    net.stabilize();
    expect(net.status(2).confState).toMatchObject({ voters: [3], votersOutgoing: [] });
    expect(net.status(2).commit).toBeGreaterThanOrEqual(leaveIndex);
    expect(net.status(3).commit).toBeLessThan(leaveIndex);
    expect(net.node(2).storage.lastIndex()).toBeGreaterThan(net.node(3).storage.lastIndex());
    // The removed leader crashes before it could tell node 3; it comes back as a follower.
    net.crash(1);
    net.filter = undefined;
    net.restart(1);
    // Node 3 campaigns in the joint configuration it still has; nodes 1 and 2 refuse it (their
    // logs are longer) and are no voters themselves. Their refusal says what they know is
    // committed: node 3 applies the change, is the sole voter and wins.
    net.tickAll(6 * ELECTION_TICKS);
    expect(net.leaders()).toEqual([3]);
    expect(net.status(3).confState).toMatchObject({ voters: [3], votersOutgoing: [] });
    net.propose(3, 'after');
    expect(net.appliedData(3)).toContain('after');
  });

  it('a voter that refuses a candidate learns what the candidate knows is committed', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    // 'a' reaches 2 and 3; 'b' only 3; the commit of 'a' only 2.
    net.raw(1).propose(bytes('a'));
    const a = net.status(1).lastIndex;
    for (const m of net.takeMessages()) net.deliver(m);
    net.raw(1).propose(bytes('b'));
    const bTo2 = (m: Message): boolean => m.to === 2 && m.type === 'app' && m.entries.length > 0;
    net.filter = (m) => !bTo2(m);
    for (const m of net.takeMessages()) net.deliver(m);
    net.filter = (m) => m.to !== 3 && !bTo2(m);
    net.tickAll(1);
    expect(net.status(2).commit).toBe(a);
    expect(net.status(3).commit).toBeLessThan(a);
    net.crash(1);
    net.filter = undefined;
    // Node 3's log is longer: it refuses node 2, but node 2's last entry matches its log, so what
    // node 2 knows is committed there is committed in node 3's log too.
    net.raw(2).campaign();
    for (const m of net.takeMessages()) net.deliver(m);
    expect(net.status(3).commit).toBe(a);
    net.stabilize();
    expect(net.appliedData(3)).toEqual(['a']);
  });

  it('a refused candidate learns nothing from a voter whose log does not match at the commit it reports', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    const r3 = net.raw(3);
    const commit = net.status(3).commit;
    // A forged refusal whose (commit, term) does not match node 3's log changes nothing.
    r3.campaign();
    net.takeMessages();
    const term = net.status(3).term;
    const base = { from: 2, to: 3, term, index: 0, entries: [], reject: true, rejectHint: 0 } as const;
    r3.step({ ...base, type: 'voteResp', commit: commit + 5, logTerm: 1 });
    expect(net.status(3).commit).toBe(commit);
    r3.step({ ...base, type: 'voteResp', commit, logTerm: 99 });
    expect(net.status(3).commit).toBe(commit);
  });
});
