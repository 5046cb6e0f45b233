// Real chunk stores on disk and a real state machine for the background-service tests.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { ChunkStore } from '../../../node-runtime/storage/chunk-store';

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Stores random chunks in every given store; returns their hashes and sizes. */
export async function storeChunks(stores: readonly ChunkStore[], sizes: readonly number[]): Promise<{ hash: string; size: number; data: Buffer }[]> {
  const out: { hash: string; size: number; data: Buffer }[] = [];
  for (const size of sizes) {
    const data = randomBytes(size);
    const hash = sha256(data);
    for (const store of stores) await store.put(hash, data);
    out.push({ hash, size, data });
  }
  return out;
}

/** Overwrites a few bytes of a stored chunk in place (bit rot). */
export async function damage(store: ChunkStore, hash: string): Promise<void> {
  const file = store.pathOf(hash);
  const bytes = await fs.readFile(file);
  bytes[0] = (bytes[0] as number) ^ 0xff;
  await fs.writeFile(file, bytes);
}

/** Makes a stored chunk look `ageMs` old. */
export async function age(store: ChunkStore, hash: string, ageMs: number): Promise<void> {
  const when = new Date(Date.now() - ageMs);
  await fs.utimes(store.pathOf(hash), when, when);
}

/** A state machine with one file per entry of `files`, each made of the given chunks. */
export class Catalog {
  readonly fsm = new StateMachine();
  private index = 0;

  put(name: string, chunks: readonly { hash: string; size: number }[]): void {
    const size = chunks.reduce((s, c) => s + c.size, 0);
    const result = this.fsm.apply(++this.index, { type: 'put', name, size, sha256: 'a'.repeat(64), chunks: chunks.map((c) => ({ hash: c.hash, size: c.size })), at: Date.now() });
    if (!result.ok) throw new Error(JSON.stringify(result.rejection));
  }

  remove(name: string): void {
    const result = this.fsm.apply(++this.index, { type: 'delete', name, at: Date.now() });
    if (!result.ok) throw new Error(JSON.stringify(result.rejection));
  }

  lock(name: string, ttlMs: number, at = Date.now()): void {
    const result = this.fsm.apply(++this.index, { type: 'lockAcquire', name, owner: 'tester', token: `token-${name}`, ttlMs, at });
    if (!result.ok) throw new Error(JSON.stringify(result.rejection));
  }

  tick(at: number): readonly string[] {
    const result = this.fsm.apply(++this.index, { type: 'tick', at });
    return result.ok && result.type === 'tick' ? result.expiredLocks : [];
  }
}

export async function openStore(dir: string): Promise<ChunkStore> {
  return ChunkStore.open(dir);
}
