// Each checker fires on the history it forbids. The mutation tests show the checks catch real
// broken cores; these pin down, one rule at a time, what each check means.

import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../node-runtime/raft/index';
import type { ConfState, Entry, HardState, Ready } from '../../node-runtime/raft/index';
import { Checker } from './invariants';
import { encodeCommand, KvStateMachine } from './state-machine';
import type { ViolationKind } from './violation';

const entry = (index: number, term: number, proposalId = index): Entry => ({
  index,
  term,
  kind: 'normal',
  data: encodeCommand({ proposalId, key: 0 }),
});

const ready = (parts: Partial<Ready>): Ready => ({ entries: [], committedEntries: [], messages: [], readStates: [], mustSync: true, ...parts });

/** A node's disk after persisting `entries` and `hs`, reported to the checker as one Ready. */
function persist(checker: Checker, node: number, disk: MemoryStorage, entries: Entry[], hs?: HardState): void {
  disk.append(entries);
  if (hs) disk.setHardState(hs);
  checker.onPersisted(node, ready({ entries, ...(hs ? { hardState: hs } : {}) }), disk);
}

function violationOf(action: () => void): ViolationKind | undefined {
  try {
    action();
  } catch (err) {
    return (err as { kind?: ViolationKind }).kind;
  }
  return undefined;
}

describe('the invariant checker', () => {
  it('election safety: two leaders of one term', () => {
    const checker = new Checker(() => 0);
    checker.onLeader(1, 3, new MemoryStorage());
    expect(violationOf(() => checker.onLeader(1, 3, new MemoryStorage()))).toBeUndefined();
    expect(violationOf(() => checker.onLeader(2, 3, new MemoryStorage()))).toBe('electionSafety');
  });

  it('leader append-only: a leader rewriting its own log', () => {
    const checker = new Checker(() => 0);
    expect(violationOf(() => checker.onLeaderAppend(1, 2, 6, 5))).toBeUndefined();
    expect(violationOf(() => checker.onLeaderAppend(1, 2, 5, 5))).toBe('leaderAppendOnly');
  });

  it('log matching: one (index, term) holding two entries, or two different predecessors', () => {
    const checker = new Checker(() => 0);
    persist(checker, 1, new MemoryStorage(), [entry(1, 1), entry(2, 2)]);
    expect(violationOf(() => persist(checker, 2, new MemoryStorage(), [entry(1, 1), entry(2, 2, 99)]))).toBe('logMatching');
    expect(violationOf(() => persist(checker, 3, new MemoryStorage(), [entry(1, 2), entry(2, 2)]))).toBe('logMatching');
  });

  it('leader completeness: a leader of a later term without a committed entry', () => {
    const checker = new Checker(() => 0);
    const leaderDisk = new MemoryStorage();
    persist(checker, 1, leaderDisk, [entry(1, 1), entry(2, 1)], { term: 1, vote: 1, commit: 2 });
    checker.onCommit(1, { term: 1, vote: 1, commit: 2 }, leaderDisk);
    const stale = new MemoryStorage();
    persist(checker, 2, stale, [entry(1, 1)]);
    expect(violationOf(() => checker.onLeader(2, 2, stale))).toBe('leaderCompleteness');
    expect(violationOf(() => checker.onLeader(1, 3, leaderDisk))).toBeUndefined();
  });

  it('durability: a committed index reported with two different terms, or a commit no quorum holds', () => {
    const checker = new Checker(() => 0);
    const a = new MemoryStorage();
    persist(checker, 1, a, [entry(1, 1)], { term: 1, vote: 1, commit: 1 });
    checker.onCommit(1, { term: 1, vote: 1, commit: 1 }, a);
    const b = new MemoryStorage();
    persist(checker, 2, b, [entry(1, 2)], { term: 2, vote: 2, commit: 1 });
    expect(violationOf(() => checker.onCommit(2, { term: 2, vote: 2, commit: 1 }, b))).toBe('durability');

    const lonely = new Checker(() => 0);
    const disks = new Map([1, 2, 3].map((id) => [id, new MemoryStorage()]));
    persist(lonely, 1, disks.get(1) as MemoryStorage, [entry(1, 1)], { term: 1, vote: 1, commit: 1 });
    const confState = { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
    const commitAlone = (): void => lonely.onCommit(1, { term: 1, vote: 1, commit: 1 }, disks.get(1) as MemoryStorage, { confState, disks: (id) => disks.get(id) });
    expect(violationOf(commitAlone)).toBe('durability');
  });

  it('durability: holders must meet every quorum of the leader\'s configuration, not be a quorum of each half', () => {
    // Nodes 2 and 3 hold index 1; leader 2 reports it committed under `confState`.
    const commitWith = (confState: ConfState) => (): void => {
      const checker = new Checker(() => 0);
      const disks = new Map([1, 2, 3, 4, 5].map((id) => [id, new MemoryStorage()]));
      for (const id of [2, 3]) persist(checker, id, disks.get(id) as MemoryStorage, [entry(1, 1)], { term: 1, vote: 2, commit: 0 });
      checker.onCommit(2, { term: 1, vote: 2, commit: 1 }, disks.get(2) as MemoryStorage, { confState, disks: (id) => disks.get(id) });
    };
    const conf = (voters: number[], votersOutgoing: number[] = []): ConfState => ({ voters, learners: [], votersOutgoing, learnersNext: [], autoLeave: false });
    // Committed in [1,2,3] before the joint change to [1] was applied (sim seed 2039255): every
    // joint quorum needs two of [1,2,3], so it meets node 2 or 3.
    expect(violationOf(commitWith(conf([1], [1, 2, 3])))).toBeUndefined();
    // Two of four voters after a single-voter change: every majority of four meets one of them.
    expect(violationOf(commitWith(conf([1, 2, 3, 4])))).toBeUndefined();
    // Nodes 1 and 4 make a quorum of both halves without a holder.
    expect(violationOf(commitWith(conf([1, 4], [1, 3, 4])))).toBe('durability');
    expect(violationOf(commitWith(conf([1, 2, 3, 4, 5])))).toBe('durability');
  });

  it('state machine safety: two nodes applying different entries at one index', () => {
    const checker = new Checker(() => 0);
    const apply = (node: number, e: Entry): void => {
      const sm = KvStateMachine.empty(0);
      sm.apply(e);
      checker.onApply(node, e, sm.chain);
    };
    for (const node of [1, 2]) persist(checker, node, new MemoryStorage(), [], { term: 1, vote: 0, commit: 1 });
    apply(1, entry(1, 1));
    expect(violationOf(() => apply(2, entry(1, 1, 7)))).toBe('stateMachineSafety');
  });

  it('linearizable reads: a read index below what was committed when the read began', () => {
    const checker = new Checker(() => 0);
    expect(violationOf(() => checker.onReadState(1, 'r1', 5, 5))).toBeUndefined();
    expect(violationOf(() => checker.onReadState(1, 'r2', 4, 5))).toBe('linearizableRead');
  });

  it('the Ready contract: a vote granted before it is durable', () => {
    const checker = new Checker(() => 0);
    const disk = new MemoryStorage();
    const grant = { type: 'voteResp', from: 1, to: 2, term: 4, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 } as const;
    const hs = { term: 4, vote: 0, commit: 0 };
    disk.setHardState(hs);
    expect(violationOf(() => checker.onPersisted(1, ready({ hardState: hs, messages: [grant] }), disk))).toBe('readyContract');
    // Batched with a later term, an earlier-term grant can no longer be repeated: it is safe.
    const later = { term: 5, vote: 0, commit: 0 };
    disk.setHardState(later);
    expect(violationOf(() => checker.onPersisted(1, ready({ hardState: later, messages: [grant] }), disk))).toBeUndefined();
  });

  it('the Ready contract: an entry applied beyond the persisted commit', () => {
    const checker = new Checker(() => 0);
    const disk = new MemoryStorage();
    persist(checker, 1, disk, [entry(1, 1), entry(2, 1)], { term: 1, vote: 0, commit: 0 });
    const apply = (e: Entry): void => checker.onApply(1, e, 0, undefined, disk);
    expect(violationOf(() => apply(entry(1, 1)))).toBe('readyContract');
    // While a Ready that moves only the commit index writes it, what it covers on disk may apply…
    checker.onReadyReceived(1, ready({ hardState: { term: 1, vote: 0, commit: 1 }, committedEntries: [entry(1, 1)], mustSync: false }));
    expect(violationOf(() => apply(entry(1, 1)))).toBeUndefined();
    // …but nothing past it, no membership change, and no entry the disk does not hold.
    expect(violationOf(() => apply(entry(2, 1)))).toBe('readyContract');
    expect(violationOf(() => apply({ ...entry(1, 1), kind: 'confChange' }))).toBe('readyContract');
    expect(violationOf(() => checker.onApply(1, entry(1, 1), 0, undefined, new MemoryStorage()))).toBe('readyContract');
    // Once persisted, the Ready's commit is the bound as before.
    checker.onPersisted(1, ready({ hardState: { term: 1, vote: 0, commit: 1 }, mustSync: false }), disk);
    expect(violationOf(() => apply(entry(2, 1)))).toBe('readyContract');
  });
});
