// §7 log compaction: snapshots taken by the application, InstallSnapshot to lagging followers.
import { describe, expect, it } from 'vitest';
import { CompactedError, SnapshotOutOfDateError } from '../../../node-runtime/raft/errors';
import { encodeConfChange } from '../../../node-runtime/raft/codec';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { ConfChange, Message } from '../../../node-runtime/raft/types';
import { ELECTION_TICKS, Network, bytes, seededRandom, str } from './network';

/** Snapshots node `id` at its applied index (the "state" is the applied data joined) and compacts. */
function snapshotAndCompact(net: Network, id: number): number {
  const n = net.node(id);
  const index = net.status(id).applied;
  n.storage.createSnapshot(index, net.status(id).confState, bytes(net.appliedData(id).join(',')));
  n.storage.compact(index);
  return index;
}

describe('§7 log compaction and InstallSnapshot', () => {
  it('a lagging follower receives a snapshot after compaction, restores it and keeps replicating', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 5; i++) net.propose(1, `s${i}`);
    const snapIndex = snapshotAndCompact(net, 1);
    expect(net.status(1).firstIndex).toBe(snapIndex + 1);
    net.heal();
    net.tickAll(2);
    const snaps = net.sent.filter((m) => m.type === 'snap' && m.to === 3);
    expect(snaps).toHaveLength(1);
    expect(snaps[0]?.snapshot?.metadata.index).toBe(snapIndex);
    expect(str(net.node(3).storage.snapshot().data)).toBe('s0,s1,s2,s3,s4');
    expect(net.status(3)).toMatchObject({ commit: snapIndex, firstIndex: snapIndex + 1, applied: snapIndex });
    expect(net.node(3).confState?.voters).toEqual([1, 2, 3]);
    net.propose(1, 'after');
    expect(net.appliedData(3)).toEqual(['after']);
    expect(net.status(1).progress?.[3]).toMatchObject({ state: 'replicate', match: snapIndex + 1 });
  });

  it('a follower with a short lag is caught up from the log, not with a snapshot', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.isolate(3);
    net.propose(1, 'b');
    // Keep the entry node 3 lacks: compact only up to what node 3 already holds.
    const n1 = net.node(1);
    n1.storage.createSnapshot(3, net.status(1).confState, bytes('a'));
    n1.storage.compact(3);
    net.heal();
    net.tickAll(2);
    expect(net.sent.some((m) => m.type === 'snap')).toBe(false);
    expect(net.appliedData(3)).toEqual(['a', 'b']);
  });

  it('a restarted node starts from its snapshot and the log after it', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    for (let i = 0; i < 3; i++) net.propose(1, `r${i}`);
    net.propose(1, 'last');
    const snapIndex = snapshotAndCompact(net, 2);
    net.crash(2);
    net.restart(2);
    expect(net.status(2)).toMatchObject({ firstIndex: snapIndex + 1, applied: snapIndex, commit: snapIndex });
    net.propose(1, 'more');
    expect(net.appliedData(2).at(-1)).toBe('more');
  });

  it('a lost snapshot is retried after a while', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 3; i++) net.propose(1, `s${i}`);
    const snapIndex = snapshotAndCompact(net, 1);
    net.heal();
    // The first snapshot is lost; only a retry can bring node 3 back.
    let snapsSent = 0;
    net.filter = (m) => !(m.type === 'snap' && snapsSent++ === 0);
    net.tickAll(3 * ELECTION_TICKS);
    expect(snapsSent).toBeGreaterThan(1);
    expect(net.status(3).commit).toBeGreaterThanOrEqual(snapIndex);
  });

  it('reportSnapshot(failure) makes the leader probe again at once', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 3; i++) net.propose(1, `s${i}`);
    snapshotAndCompact(net, 1);
    net.heal();
    net.filter = (m) => m.type !== 'snap';
    net.tickAll(1);
    expect(net.status(1).progress?.[3]?.state).toBe('snapshot');
    net.raw(1).reportSnapshot(3, false);
    expect(net.status(1).progress?.[3]?.state).toBe('probe');
  });
});

describe('MemoryStorage', () => {
  it('founders given their peers in any order write the same founding entry', () => {
    const a = MemoryStorage.withVoters([3, 1, 2]).entries(1, 2)[0];
    const b = MemoryStorage.withVoters([1, 2, 3]).entries(1, 2)[0];
    expect(a).toEqual(b);
    expect(a).toMatchObject({ index: 1, term: 1, kind: 'confChange' });
    expect(new MemoryStorage().lastIndex()).toBe(0);
  });
});

describe('MemoryStorage snapshots', () => {
  it('refuses stale snapshots and compaction of what is already compacted or not covered', () => {
    const s = MemoryStorage.withVoters([1]);
    s.append([2, 3, 4].map((index) => ({ index, term: 1, kind: 'normal' as const, data: bytes(`${index}`) })));
    expect(() => s.compact(2)).toThrow(/compacting entries no snapshot covers/);
    s.createSnapshot(3, { voters: [1], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, bytes('x'));
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(1);
    expect(() => s.term(2)).toThrow(CompactedError);
    expect(() => s.entries(3, 5)).toThrow(CompactedError);
    expect(() => s.compact(3)).toThrow(CompactedError);
    expect(() => s.createSnapshot(2, s.snapshot().metadata.confState, bytes(''))).toThrow(SnapshotOutOfDateError);
    expect(() => s.applySnapshot(s.snapshot())).toThrow(SnapshotOutOfDateError);
  });

  it('append replaces a conflicting suffix and ignores entries before the first index', () => {
    const s = MemoryStorage.withVoters([1]);
    const e = (index: number, term: number) => ({ index, term, kind: 'normal' as const, data: bytes('') });
    s.append([e(2, 1), e(3, 1), e(4, 1)]);
    s.append([e(3, 2)]);
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(2);
    expect(() => s.append([e(9, 2)])).toThrow(/gap/);
    expect(s.entries(1, 4, 1)).toHaveLength(1);
  });
});

describe('a snapshot that arrives while the driver applies a Ready', () => {
  // Simulator seed 9019954 (disk profile): a slow disk held a follower's Ready, whose committed
  // entries carried a membership change, while the leader's snapshot at a later, joint
  // configuration arrived. Restoring it replaced the configuration under the change being applied.
  it('is refused until the Ready is applied, so the change applies to the configuration it was committed under', () => {
    const storage = MemoryStorage.withVoters([1, 2, 3]);
    const raw = new RawNode({ id: 3, electionTicks: ELECTION_TICKS, heartbeatTicks: 1, storage, random: seededRandom(3) });
    const msg = (fields: Partial<Message> & Pick<Message, 'type'>): Message => ({ from: 1, to: 3, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields });
    const change: ConfChange = { changes: [{ op: 'addLearner', nodeId: 4 }], transition: 'auto' };
    raw.step(msg({ type: 'app', entries: [{ index: 1, term: 1, kind: 'confChange', data: encodeConfChange(change) }], commit: 1 }));
    const rd = raw.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1]);
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);

    // The leader's snapshot at a joint configuration arrives before this Ready is applied.
    const joint = { voters: [1, 2, 4], votersOutgoing: [1, 2, 3], learners: [], learnersNext: [], autoLeave: true };
    const snap = msg({ type: 'snap', snapshot: { metadata: { index: 9, term: 1, confState: joint }, data: bytes('at 9') } });
    raw.step(snap);
    expect(raw.applyConfChange(change).learners).toEqual([4]);
    raw.advance(rd);
    const refused = raw.ready();
    expect(refused.snapshot).toBeUndefined();
    expect(refused.messages).toContainEqual(expect.objectContaining({ type: 'appResp', to: 1, index: 1, reject: false }));
    raw.advance(refused);

    // Sent again once the Ready is applied, it is restored.
    raw.step(snap);
    const restored = raw.ready();
    expect(restored.snapshot?.metadata).toMatchObject({ index: 9, confState: joint });
  });
});
