// MemoryStorage.spillTo / releaseApplied (issue #11): applied entries' data leaves memory beyond a
// byte budget and is read back (from the WAL in a node) when the core asks again; sizes, terms,
// compaction and truncation behave as if nothing had left.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import type { Entry } from '../../../node-runtime/raft/types';

function entry(index: number, term: number, bytes: number): Entry {
  return { index, term, kind: 'normal', data: new Uint8Array(bytes).fill(index % 251) };
}

/** A log of entries 1..n of `bytes` each, whose dropped data is read back from `disk` (counting reads). */
function spilledLog(n: number, bytes: number, keepAppliedBytes: number) {
  const disk = new Map<string, Uint8Array>();
  const reads: number[] = [];
  const memory = new MemoryStorage();
  const ents = Array.from({ length: n }, (_, i) => entry(i + 1, 1, bytes));
  for (const e of ents) disk.set(`${e.index}/${e.term}`, e.data);
  memory.append(ents);
  memory.spillTo({
    read: (index, term) => {
      reads.push(index);
      return disk.get(`${index}/${term}`) ?? new Uint8Array();
    },
    keepAppliedBytes,
  });
  return { memory, ents, reads };
}

/** Bytes of entry data the log holds in memory. */
function heldBytes(memory: MemoryStorage): number {
  const held = (memory as unknown as { ents: Entry[] }).ents;
  return held.reduce((sum, e) => sum + e.data.byteLength, 0);
}

describe('MemoryStorage: applied entries spilled to disk', () => {
  it('keeps only the newest applied entries within the budget, and hands every entry back whole', () => {
    const { memory, ents, reads } = spilledLog(100, 1000, 10_000);
    memory.releaseApplied(60);
    // 40 unapplied entries and the newest 10 applied ones.
    expect(heldBytes(memory)).toBe(50 * 1000);
    expect(memory.entries(1, 101)).toEqual(ents);
    expect(reads).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    reads.length = 0;
    expect(memory.entries(51, 101)).toEqual(ents.slice(50));
    expect(reads).toEqual([]);
  });

  it('limits a batch by the dropped entries\' real sizes, and reads only what the batch holds', () => {
    const { memory, reads } = spilledLog(100, 1000, 0);
    memory.releaseApplied(100);
    expect(heldBytes(memory)).toBe(0);
    const batch = memory.entries(11, 101, 5 * 1024);
    expect(batch.map((e) => e.index)).toEqual([11, 12, 13, 14, 15]);
    expect(batch.every((e) => e.data.byteLength === 1000)).toBe(true);
    expect(reads).toEqual([11, 12, 13, 14, 15]);
    expect(memory.dataBytes(20)).toBe(1000);
  });

  it('forgets dropped entries on compaction and on a snapshot, and keeps counting after them', () => {
    const { memory, ents } = spilledLog(100, 1000, 5000);
    memory.releaseApplied(50);
    memory.createSnapshot(40, { voters: [1], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, new Uint8Array());
    memory.compact(40);
    expect(memory.entries(41, 101)).toEqual(ents.slice(40));
    memory.releaseApplied(100);
    expect(heldBytes(memory)).toBe(5000);
    expect(memory.entries(41, 101)).toEqual(ents.slice(40));
    memory.applySnapshot({ metadata: { index: 200, term: 2, confState: { voters: [1], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } }, data: new Uint8Array() });
    memory.append([entry(201, 2, 10)]);
    memory.releaseApplied(201);
    expect(memory.entries(201, 202)).toEqual([entry(201, 2, 10)]);
  });

  it('replaces what a truncation replaces, even entries it had dropped', () => {
    const { memory, ents } = spilledLog(20, 100, 0);
    memory.releaseApplied(15);
    const replacement = [entry(10, 2, 7), entry(11, 2, 7)];
    memory.append(replacement);
    expect(memory.lastIndex()).toBe(11);
    expect(memory.entries(1, 12)).toEqual([...ents.slice(0, 9), ...replacement]);
    expect(memory.dataBytes(10)).toBe(7);
  });

  it('without spillTo keeps every entry\'s data', () => {
    const memory = new MemoryStorage();
    memory.append([entry(1, 1, 100), entry(2, 1, 100)]);
    memory.releaseApplied(2);
    expect(heldBytes(memory)).toBe(200);
  });
});
