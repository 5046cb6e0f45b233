// §5.3 log replication (Figure 2, AppendEntries), with pipelining, batching and fast backtracking.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { entriesSize } from '../../../node-runtime/raft/entry-size';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { Entry, Message } from '../../../node-runtime/raft/types';
import { ELECTION_TICKS, Network, bytes, describeMessage, seededRandom } from './network';

function entry(index: number, term: number): Entry {
  return { index, term, kind: 'normal', data: bytes(`e${index}`) };
}

function msg(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return { logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}

/** A follower (node 1 of voters 1, 2) whose persisted log holds `terms[i]` at index i + 1. */
function followerWithLog(terms: number[], currentTerm: number): { raw: RawNode; storage: MemoryStorage } {
  const storage = MemoryStorage.withVoters([1, 2]);
  storage.append(terms.map((t, i) => entry(i + 1, t)));
  storage.setHardState({ term: currentTerm, vote: 0, commit: 0 });
  const raw = new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, random: seededRandom(1) });
  return { raw, storage };
}

function drain(raw: RawNode, storage: MemoryStorage): Message[] {
  const out: Message[] = [];
  while (raw.hasReady()) {
    const rd = raw.ready();
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    out.push(...rd.messages);
    raw.advance(rd);
  }
  return out;
}

describe('§5.3 log replication', () => {
  it('a committed proposal is applied by every node in the same order', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    net.propose(1, 'b');
    for (const id of [1, 2, 3]) expect(net.appliedData(id)).toEqual(['a', 'b']);
    expect(net.status(1).commit).toBe(4);
  });

  it('an election and one write, message by message (Figure 2)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a');
    expect(net.sent.map(describeMessage)).toEqual([
      // RequestVote: index 1 holds the founding membership (term 1).
      '1→2 vote term=1 last=1@1',
      '1→3 vote term=1 last=1@1',
      '2→1 voteResp term=1',
      '3→1 voteResp term=1',
      // The new leader's no-op...
      '1→2 app term=1 prev=1@1 entries=[2@1] commit=0',
      '1→3 app term=1 prev=1@1 entries=[2@1] commit=0',
      '2→1 appResp term=1 index=2',
      '3→1 appResp term=1 index=2',
      // ...commits on a majority, and the followers learn it.
      '1→2 app term=1 prev=2@1 entries=[] commit=2',
      '1→3 app term=1 prev=2@1 entries=[] commit=2',
      '2→1 appResp term=1 index=2',
      '3→1 appResp term=1 index=2',
      // The client write, the same way.
      '1→2 app term=1 prev=2@1 entries=[3@1] commit=2',
      '1→3 app term=1 prev=2@1 entries=[3@1] commit=2',
      '2→1 appResp term=1 index=3',
      '3→1 appResp term=1 index=3',
      '1→2 app term=1 prev=3@1 entries=[] commit=3',
      '1→3 app term=1 prev=3@1 entries=[] commit=3',
      '2→1 appResp term=1 index=3',
      '3→1 appResp term=1 index=3',
    ]);
  });

  it('a follower rejects an append whose prevLog does not match, with a hint for the leader', () => {
    const { raw, storage } = followerWithLog([1, 1, 2], 3);
    // The leader believes index 3 has term 3; ours has term 2.
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 3, index: 3, logTerm: 3, entries: [entry(4, 3)] }));
    const [resp] = drain(raw, storage);
    expect(resp).toMatchObject({ type: 'appResp', to: 2, reject: true, index: 3, rejectHint: 3, logTerm: 2 });
    expect(storage.lastIndex()).toBe(3);
  });

  it('a follower answers an append from an older term with its newer term and keeps its log', () => {
    const { raw, storage } = followerWithLog([1, 1], 3);
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 2, index: 2, logTerm: 1, entries: [entry(3, 2)], commit: 3 }));
    const [resp] = drain(raw, storage);
    expect(resp).toMatchObject({ type: 'appResp', to: 2, term: 3 });
    expect(storage.lastIndex()).toBe(2);
    expect(raw.status().commit).toBe(0);
  });

  it('a follower rejects an append beyond its log and hints its last index', () => {
    const { raw, storage } = followerWithLog([1, 1], 1);
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 1, index: 7, logTerm: 1, entries: [entry(8, 1)] }));
    const [resp] = drain(raw, storage);
    expect(resp).toMatchObject({ reject: true, index: 7, rejectHint: 2, logTerm: 1 });
  });

  it('a follower deletes a conflicting suffix and appends the leader entries', () => {
    const { raw, storage } = followerWithLog([1, 1, 2, 2], 3);
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 3, index: 2, logTerm: 1, entries: [entry(3, 3)], commit: 3 }));
    const [resp] = drain(raw, storage);
    expect(resp).toMatchObject({ type: 'appResp', reject: false, index: 3 });
    expect(storage.lastIndex()).toBe(3);
    expect(storage.term(3)).toBe(3);
    expect(raw.status().commit).toBe(3);
  });

  it('a follower keeps entries after a matching append that carries nothing new', () => {
    const { raw, storage } = followerWithLog([1, 1, 1], 1);
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 1, index: 1, logTerm: 1, entries: [entry(2, 1)], commit: 1 }));
    drain(raw, storage);
    expect(storage.lastIndex()).toBe(3);
    expect(raw.status().commit).toBe(1);
  });

  it('the follower commit index never passes the last entry the leader vouched for', () => {
    const { raw, storage } = followerWithLog([1, 1, 1, 1], 1);
    // Entries 3 and 4 may be stale: the leader only vouches up to index 2.
    raw.step(msg({ type: 'app', from: 2, to: 1, term: 1, index: 1, logTerm: 1, entries: [entry(2, 1)], commit: 4 }));
    drain(raw, storage);
    expect(raw.status().commit).toBe(2);
  });

  it('fast backtracking skips a whole conflicting term per round trip', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    // 50 entries of term 1 that never commit, on the old leader only.
    for (let i = 0; i < 50; i++) net.raw(1).propose(bytes(`lost${i}`));
    net.stabilize();
    net.elect(2);
    for (let i = 0; i < 50; i++) net.raw(2).propose(bytes(`kept${i}`));
    net.stabilize();
    // A third leader starts probing node 1 from the end of its long log.
    net.elect(3);
    net.heal();
    net.tickAll(3);
    const rejects = net.sent.filter((m) => m.type === 'appResp' && m.from === 1 && m.reject);
    expect(rejects.length).toBeGreaterThan(0);
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(net.status(1).lastIndex).toBe(net.status(2).lastIndex);
    expect(net.appliedData(1)).toEqual(net.appliedData(2));
  });

  it('Figure 7: followers missing entries, holding extra ones, or both, all end with the leader log', () => {
    const logs: Record<number, number[]> = {
      1: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
      2: [1, 1, 1, 4, 4, 5, 5, 6, 6],
      3: [1, 1, 1, 4],
      4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      6: [1, 1, 1, 4, 4, 4, 4],
      7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    };
    const ids = [1, 2, 3, 4, 5, 6, 7];
    const net = new Network([]);
    for (const id of ids) {
      const storage = MemoryStorage.withVoters(ids);
      storage.append((logs[id] as number[]).map((t, i) => entry(i + 1, t)));
      storage.setHardState({ term: 7, vote: 0, commit: 0 });
      net.add(id, storage);
    }
    // Nodes 2, 3, 6 and 7 have logs no more up to date than node 1's: a majority of seven.
    net.elect(1);
    expect(net.status(1)).toMatchObject({ role: 'leader', term: 8 });
    net.tickAll(3);
    const expected = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8];
    for (const id of ids) {
      const storage = net.node(id).storage;
      expect(storage.lastIndex(), `node ${id}`).toBe(11);
      expect(storage.entries(1, 12).map((e) => e.term), `node ${id}`).toEqual(expected);
      expect(net.status(id).commit).toBe(11);
    }
  });

  it('pipelining is bounded by maxInflightMsgs while acknowledgements are missing', () => {
    const net = new Network([1, 2, 3], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    net.elect(1);
    net.filter = (m) => !(m.type === 'appResp' && m.from === 2);
    for (let i = 0; i < 5; i++) net.propose(1, `p${i}`);
    const toTwo = net.sent.filter((m) => m.type === 'app' && m.to === 2 && m.entries.length > 0 && m.term === 1);
    // After the no-op (appended after index 1), a window of two proposals and no more.
    expect(toTwo.filter((m) => m.index >= 2)).toHaveLength(2);
    expect(net.status(1).progress?.[2]).toMatchObject({ state: 'replicate', inflight: 2 });
    // Node 3 acknowledges, so everything commits anyway.
    expect(net.status(1).commit).toBe(7);
    net.filter = undefined;
    net.tickAll(3);
    expect(net.status(2).commit).toBe(7);
  });

  it('a follower whose appends were silently lost with a full window is re-probed and catches up', () => {
    const net = new Network([1, 2, 3], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    net.elect(1);
    net.filter = (m) => !(m.type === 'app' && m.to === 2);
    for (let i = 0; i < 4; i++) net.propose(1, `lost${i}`);
    expect(net.status(1).progress?.[2]).toMatchObject({ state: 'replicate', inflight: 2 });
    net.filter = undefined;
    net.tickAll(3);
    expect(net.appliedData(2)).toEqual(['lost0', 'lost1', 'lost2', 'lost3']);
  });

  it('proposals made between two Readies leave together in one append per follower', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const before = net.sent.length;
    for (let i = 0; i < 10; i++) expect(net.raw(1).propose(bytes(`b${i}`)).ok).toBe(true);
    net.stabilize();
    const appends = net.sent.slice(before).filter((m) => m.type === 'app' && m.entries.length > 0);
    expect(appends.map((m) => [m.to, m.entries.length])).toEqual([
      [2, 10],
      [3, 10],
    ]);
  });

  it('maxSizePerMsg splits a large backlog into several appends', () => {
    const net = new Network([1, 2, 3], { maxSizePerMsg: 200 });
    net.elect(1);
    net.crash(3);
    for (let i = 0; i < 20; i++) net.propose(1, 'x'.repeat(50));
    net.restart(3);
    net.tickAll(2);
    const appendsTo3 = net.sent.filter((m) => m.type === 'app' && m.to === 3 && m.entries.length > 0);
    expect(appendsTo3.length).toBeGreaterThan(1);
    for (const m of appendsTo3) expect(m.entries.length).toBeLessThanOrEqual(3);
    expect(net.appliedData(3)).toHaveLength(20);
  });

  it('maxInflightBytes bounds the entry bytes in flight to a follower while acknowledgements are missing', () => {
    const net = new Network([1, 2, 3], { maxSizePerMsg: 200, maxInflightBytes: 500 });
    net.elect(1);
    net.filter = (m) => !(m.type === 'appResp' && m.from === 2);
    for (let i = 0; i < 40; i++) net.propose(1, 'x'.repeat(50));
    const toTwo = net.sent.filter((m) => m.type === 'app' && m.to === 2 && m.entries.length > 0 && m.index >= 2);
    const bytes = toTwo.reduce((sum, m) => sum + entriesSize(m.entries), 0);
    // Sent while below the bound: at most the bound plus one message's worth, far from the 40 entries.
    expect(bytes).toBeGreaterThanOrEqual(500);
    expect(bytes).toBeLessThan(500 + 200);
    expect(net.status(1).progress?.[2]).toMatchObject({ state: 'replicate' });
    // Node 3 acknowledges, so everything commits anyway; node 2 catches up once its answers arrive.
    expect(net.status(1).commit).toBe(net.node(1).storage.lastIndex());
    net.filter = undefined;
    net.tickAll(4);
    expect(net.appliedData(2)).toHaveLength(40);
  });

  it('§5.5 RPCs are idempotent: every message delivered twice changes nothing', () => {
    const net = new Network([1, 2, 3]);
    const deliverTwice = () => {
      for (let round = 0; round < 100; round++) {
        const batch = net.takeMessages();
        if (batch.length === 0) return;
        for (const m of batch) {
          net.deliver(m);
          net.deliver(m);
        }
      }
    };
    net.raw(1).campaign();
    deliverTwice();
    for (let i = 0; i < 5; i++) net.raw(1).propose(bytes(`d${i}`));
    deliverTwice();
    expect(net.leaders()).toEqual([1]);
    for (const id of [1, 2, 3]) expect(net.appliedData(id)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
  });

  it('a follower that was down catches up from the leader log', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.crash(3);
    for (let i = 0; i < 5; i++) net.propose(1, `c${i}`);
    net.restart(3);
    net.tickAll(ELECTION_TICKS);
    expect(net.appliedData(3)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });
});
