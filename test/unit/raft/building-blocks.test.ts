// The small pieces the state machine is built from: quorum arithmetic, the inflight window,
// follower progress, membership changes, the ConfChange codec and the log's conflict search.
import { describe, expect, it } from 'vitest';
import { decodeConfChange, encodeConfChange } from '../../../node-runtime/raft/codec';
import { Changer } from '../../../node-runtime/raft/confchange';
import { ConfChangeError } from '../../../node-runtime/raft/errors';
import { RaftLog } from '../../../node-runtime/raft/log';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { jointCommitted, jointVoteResult, majorityCommitted, majorityVoteResult } from '../../../node-runtime/raft/quorum';
import { Inflights } from '../../../node-runtime/raft/tracker/inflights';
import { Progress } from '../../../node-runtime/raft/tracker/progress';
import { ProgressTracker } from '../../../node-runtime/raft/tracker/tracker';
import type { ConfChange } from '../../../node-runtime/raft/types';
import { bytes } from './network';

describe('quorum', () => {
  const matches = new Map([
    [1, 10],
    [2, 7],
    [3, 3],
    [4, 9],
    [5, 1],
  ]);
  const matchOf = (id: number) => matches.get(id) ?? 0;

  it('commits the highest index stored on a majority', () => {
    expect(majorityCommitted(new Set([1, 2, 3]), matchOf)).toBe(7);
    expect(majorityCommitted(new Set([1, 2, 3, 4, 5]), matchOf)).toBe(7);
    expect(majorityCommitted(new Set([1, 2, 3, 4]), matchOf)).toBe(7);
    expect(majorityCommitted(new Set([1]), matchOf)).toBe(10);
  });

  it('a joint configuration commits only what both halves have', () => {
    expect(jointCommitted({ incoming: new Set([1, 4]), outgoing: new Set([3, 5, 2]) }, matchOf)).toBe(3);
    expect(jointCommitted({ incoming: new Set([1, 4]), outgoing: new Set() }, matchOf)).toBe(9);
  });

  it('counts votes: won, lost or still pending', () => {
    const voters = new Set([1, 2, 3]);
    expect(majorityVoteResult(voters, new Map([[1, true]]))).toBe('pending');
    expect(majorityVoteResult(voters, new Map([[1, true], [2, true]]))).toBe('won');
    expect(majorityVoteResult(voters, new Map([[1, true], [2, false], [3, false]]))).toBe('lost');
    expect(majorityVoteResult(new Set(), new Map())).toBe('won');
  });

  it('a joint vote is won only when both halves win, lost when either loses', () => {
    const cfg = { incoming: new Set([1, 2, 3]), outgoing: new Set([3, 4, 5]) };
    expect(jointVoteResult(cfg, new Map([[1, true], [2, true], [3, true]]))).toBe('pending');
    expect(jointVoteResult(cfg, new Map([[1, true], [3, true], [4, true]]))).toBe('won');
    expect(jointVoteResult(cfg, new Map([[1, true], [2, true], [4, false], [5, false]]))).toBe('lost');
  });
});

describe('Inflights', () => {
  it('is a bounded window freed by acknowledgement', () => {
    const w = new Inflights({ messages: 3, bytes: 0 });
    w.add(5, 100);
    w.add(8, 100);
    w.add(9, 100);
    expect(w.full()).toBe(true);
    expect(() => w.add(10, 1)).toThrow(/overflow/);
    w.freeLE(8);
    expect(w.size).toBe(1);
    w.add(12, 1);
    w.add(13, 1);
    w.freeLE(100);
    expect(w.size).toBe(0);
    expect(w.bytes).toBe(0);
  });

  it('is full once the bytes in flight reach their bound, and frees them as appends are acknowledged', () => {
    const w = new Inflights({ messages: 100, bytes: 1000 });
    w.add(3, 400);
    w.add(6, 500);
    expect(w.full()).toBe(false);
    w.add(7, 300);
    expect(w.bytes).toBe(1200);
    expect(w.full()).toBe(true);
    w.freeLE(3);
    expect(w.bytes).toBe(800);
    expect(w.full()).toBe(false);
    w.freeLE(7);
    // One message larger than the whole bound still goes when nothing else is in flight.
    expect(w.full()).toBe(false);
    w.add(9, 5000);
    expect(w.full()).toBe(true);
    w.reset();
    expect([w.size, w.bytes, w.full()]).toEqual([0, 0, false]);
  });
});

describe('Progress', () => {
  it('probe sends one append at a time; replicate pipelines up to the window', () => {
    const pr = new Progress(5, { messages: 2, bytes: 0 }, false);
    pr.sentEntries(1, 5, 30);
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeUpdate(5)).toBe(true);
    pr.becomeReplicate();
    expect(pr.next).toBe(6);
    pr.sentEntries(2, 7, 60);
    pr.sentEntries(1, 8, 30);
    expect(pr.next).toBe(9);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(7);
    pr.inflights.freeLE(7);
    expect(pr.isPaused()).toBe(false);
  });

  it('ignores stale rejections and backs off to the hint otherwise', () => {
    const pr = new Progress(10, { messages: 4, bytes: 0 }, false);
    pr.match = 3;
    expect(pr.maybeDecrTo(5, 4)).toBe(false);
    expect(pr.maybeDecrTo(9, 6)).toBe(true);
    expect(pr.next).toBe(7);
    // Never below match + 1.
    expect(pr.maybeDecrTo(6, 0)).toBe(true);
    expect(pr.next).toBe(4);
  });
});

describe('Changer', () => {
  function tracker(voters: number[], learners: number[] = []): ProgressTracker {
    const t = new ProgressTracker();
    const { config, progress } = new Changer(t, 10, { messages: 4, bytes: 0 }).apply({
      changes: [...voters.map((nodeId) => ({ op: 'addVoter' as const, nodeId })), ...learners.map((nodeId) => ({ op: 'addLearner' as const, nodeId }))],
      transition: 'auto',
    });
    t.config = config;
    t.progress = progress;
    return t;
  }

  it('refuses two voter changes without joint consensus, and removing every voter', () => {
    const t = tracker([1, 2, 3]);
    expect(() => new Changer(t, 10, { messages: 4, bytes: 0 }).simple([{ op: 'addVoter', nodeId: 4 }, { op: 'removeNode', nodeId: 1 }])).toThrow(ConfChangeError);
    expect(() =>
      new Changer(t, 10, { messages: 4, bytes: 0 }).enterJoint(false, [
        { op: 'removeNode', nodeId: 1 },
        { op: 'removeNode', nodeId: 2 },
        { op: 'removeNode', nodeId: 3 },
      ]),
    ).toThrow(/removed all voters/);
  });

  it('demoting a voter while joint parks it in learnersNext until the joint config is left', () => {
    const t = tracker([1, 2, 3]);
    const joint = new Changer(t, 10, { messages: 4, bytes: 0 }).enterJoint(true, [{ op: 'addLearner', nodeId: 3 }]);
    expect([...joint.config.learnersNext]).toEqual([3]);
    expect([...joint.config.outgoing].sort()).toEqual([1, 2, 3]);
    t.config = joint.config;
    t.progress = joint.progress;
    const left = new Changer(t, 10, { messages: 4, bytes: 0 }).leaveJoint();
    expect([...left.config.learners]).toEqual([3]);
    expect([...left.config.incoming].sort()).toEqual([1, 2]);
    expect(left.progress.get(3)?.isLearner).toBe(true);
  });

  it('re-applying a change already in force changes nothing', () => {
    const t = tracker([1, 2, 3], [4]);
    const again = new Changer(t, 10, { messages: 4, bytes: 0 }).apply({ changes: [{ op: 'addVoter', nodeId: 2 }, { op: 'addLearner', nodeId: 4 }], transition: 'auto' });
    expect([...again.config.incoming].sort()).toEqual([1, 2, 3]);
    expect(again.config.outgoing.size).toBe(0);
  });

  it('a failed change leaves the tracker untouched', () => {
    const t = tracker([1, 2]);
    expect(() => new Changer(t, 10, { messages: 4, bytes: 0 }).leaveJoint()).toThrow(/not joint/);
    expect([...t.config.incoming].sort()).toEqual([1, 2]);
  });
});

describe('ConfChange codec', () => {
  it('round-trips and rejects malformed data', () => {
    const cc: ConfChange = { changes: [{ op: 'addLearner', nodeId: 7 }], transition: 'auto', context: 'http://n7' };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    expect(() => decodeConfChange(bytes('not json'))).toThrow(/malformed/);
    expect(() => decodeConfChange(bytes('{"changes":[{"op":"addVoter","nodeId":0}],"transition":"auto"}'))).toThrow(/nodeId/);
    expect(() => decodeConfChange(bytes('{"changes":[],"transition":"sideways"}'))).toThrow(/transition/);
  });
});

describe('RaftLog', () => {
  it('findConflictByTerm finds the last index whose term could still match', () => {
    const storage = MemoryStorage.withVoters([1]);
    // Terms by index: 1:1 2:1 3:2 4:2 5:4 6:4
    storage.append([2, 3, 4, 5, 6].map((index) => ({ index, term: [0, 1, 1, 2, 2, 4, 4][index] as number, kind: 'normal' as const, data: bytes('') })));
    const log = new RaftLog(storage, () => ({ nodeId: 1, term: 1 }));
    expect(log.findConflictByTerm(6, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(6, 4)).toEqual({ index: 6, term: 4 });
    expect(log.findConflictByTerm(4, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(9, 4)).toEqual({ index: 9, term: 0 });
  });

  it('reads across the persisted and the unstable part, within a size budget', () => {
    const storage = MemoryStorage.withVoters([1]);
    storage.append([2, 3].map((index) => ({ index, term: 1, kind: 'normal' as const, data: bytes('ab') })));
    const log = new RaftLog(storage, () => ({ nodeId: 1, term: 1 }));
    log.append([4, 5].map((index) => ({ index, term: 2, kind: 'normal' as const, data: bytes('cd') })));
    expect(log.slice(2, 6).map((e) => e.index)).toEqual([2, 3, 4, 5]);
    expect(log.slice(2, 6, 60).map((e) => e.index)).toEqual([2, 3]);
    expect(log.slice(3, 6, 1).map((e) => e.index)).toEqual([3]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([4, 5]);
    log.stableTo(5, 2);
    expect(log.unstableEntries()).toEqual([]);
  });
});
