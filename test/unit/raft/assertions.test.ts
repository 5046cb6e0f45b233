// Impossible states throw loudly, with context, instead of corrupting the log quietly.
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../../node-runtime/raft/errors';
import { RaftLog } from '../../../node-runtime/raft/log';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Message } from '../../../node-runtime/raft/types';
import { bytes, seededRandom } from './network';

function msg(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return { logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}

function follower(): RawNode {
  const storage = MemoryStorage.withVoters([1, 2]);
  storage.append([2, 3].map((index) => ({ index, term: 1, kind: 'normal' as const, data: bytes(`${index}`) })));
  storage.setHardState({ term: 1, vote: 0, commit: 3 });
  return new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1) });
}

function thrown(f: () => void): RaftInvariantError {
  try {
    f();
  } catch (err) {
    if (err instanceof RaftInvariantError) return err;
    throw err;
  }
  throw new Error('expected a RaftInvariantError');
}

describe('assertions', () => {
  it('a commit index beyond the last index throws, naming node, term and index', () => {
    const log = new RaftLog(MemoryStorage.withVoters([1]), () => ({ nodeId: 1, term: 1 }));
    const err = thrown(() => log.commitTo(9));
    expect(err.message).toMatch(/commit index beyond last index/);
    expect(err.context).toMatchObject({ nodeId: 1, term: 1, index: 9, lastIndex: 1 });
  });

  it('a follower told to commit beyond its log (it lost its log) commits what it has and says so', () => {
    const raw = follower();
    raw.step(msg({ type: 'heartbeat', from: 2, to: 1, term: 1, commit: 9 }));
    const rd = raw.ready();
    expect(rd.messages).toMatchObject([{ type: 'heartbeatResp', to: 2, reject: true, rejectHint: 3 }]);
    expect(raw.status().commit).toBe(3);
  });

  it('a truncation below the commit index throws', () => {
    const log = new RaftLog(MemoryStorage.withVoters([1]), () => ({ nodeId: 1, term: 1 }));
    log.append([2, 3].map((index) => ({ index, term: 1, kind: 'normal' as const, data: bytes('') })));
    log.commitTo(3);
    const err = thrown(() => log.append([{ index: 3, term: 2, kind: 'normal', data: bytes('other') }]));
    expect(err.message).toMatch(/truncation below commit/);
    expect(err.context).toMatchObject({ nodeId: 1, term: 1, index: 3, committed: 3 });
  });

  it('a follower answers a stale append below its commit index without touching the log', () => {
    const raw = follower();
    const conflicting = { index: 3, term: 2, kind: 'normal' as const, data: bytes('other') };
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 2, index: 2, logTerm: 1, entries: [conflicting] }));
    const rd = raw.ready();
    expect(rd.entries).toEqual([]);
    expect(rd.messages).toMatchObject([{ type: 'appResp', index: 3, reject: false }]);
  });

  it('a persisted commit index beyond the persisted log throws at start', () => {
    const storage = MemoryStorage.withVoters([1]);
    storage.setHardState({ term: 1, vote: 1, commit: 5 });
    expect(() => new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1) })).toThrow(
      /persisted commit out of range/,
    );
  });

  it('a persisted commit below the snapshot (a crash between persisting the two) starts at the snapshot', () => {
    const storage = MemoryStorage.withVoters([1, 2, 3]);
    storage.applySnapshot({ metadata: { index: 4, term: 2, confState: { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } }, data: bytes('state') });
    storage.setHardState({ term: 3, vote: 2, commit: 0 });
    const raw = new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1), applied: 4 });
    expect(raw.status()).toMatchObject({ term: 3, vote: 2, commit: 4 });
  });

  it('an applied index beyond commit throws at start', () => {
    const storage = MemoryStorage.withVoters([1]);
    expect(() => new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1), applied: 3 })).toThrow(
      /applied index out of range/,
    );
  });

  it('a message for another node throws', () => {
    const raw = follower();
    expect(() => raw.step(msg({ type: 'heartbeat', from: 2, to: 3, term: 1 }))).toThrow(/wrong node/);
  });

  it('advance() without ready() throws', () => {
    expect(() => follower().advance()).toThrow(/advance\(\) without an outstanding ready\(\)/);
  });
});
