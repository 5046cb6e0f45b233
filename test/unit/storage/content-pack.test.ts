// The pack that keeps small files' bytes on disk (storage/content-pack.ts): what it holds reads
// back, dropped bytes are compacted away, a snapshot captured before a compaction still reads what
// it captured, damage is caught before it reaches a snapshot, and a state machine on a pack makes
// exactly the snapshots of one that keeps the bytes in memory.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, readdirSync, readSync, writeFileSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PutCommand } from '../../../node-runtime/fsm/commands';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { ContentPack } from '../../../node-runtime/storage/content-pack';
import { Driver } from '../fsm/builders';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

async function openPack(): Promise<{ pack: ContentPack; dir: string }> {
  const dir = path.join(await tempDir(), 'inline');
  return { pack: ContentPack.open(dir), dir };
}

/** Flips one byte of the pack file at `offset`. */
function flipByte(dir: string, offset: number): void {
  const [file] = readdirSync(dir);
  const fd = openSync(path.join(dir, file as string), 'r+');
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, offset);
  one[0] = (one[0] as number) ^ 0xff;
  writeSync(fd, one, 0, 1, offset);
  closeSync(fd);
}

describe('ContentPack', () => {
  it('reads back what it holds, and nothing once dropped', async () => {
    const { pack } = await openPack();
    const a = randomBytes(100);
    const b = randomBytes(4000);
    pack.put(sha(a), a);
    pack.put(sha(b), b);
    expect(pack.get(sha(a))).toEqual(a);
    expect(pack.get(sha(b))).toEqual(b);
    pack.drop(sha(a));
    expect(pack.get(sha(a))).toBeUndefined();
    expect(pack.get(sha(b))).toEqual(b);
    expect(pack.fileBytes()).toBe(4100);
    pack.close();
  });

  it('starts empty, removing what an earlier run left in its directory', async () => {
    const dir = path.join(await tempDir(), 'inline');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'pack-7'), randomBytes(1000));
    const pack = ContentPack.open(dir);
    expect(readdirSync(dir)).toEqual(['pack-1']);
    expect(pack.fileBytes()).toBe(0);
    pack.close();
  });

  it('compacts once dropped bytes outweigh the live ones, and keeps serving the live ones', async () => {
    const { pack, dir } = await openPack();
    const kept = randomBytes(1000);
    pack.put(sha(kept), kept);
    const dropped = Array.from({ length: 16 }, (_, i) => Buffer.alloc(MiB, i));
    for (const d of dropped) pack.put(sha(d), d);
    for (const d of dropped.slice(0, 15)) pack.drop(sha(d));
    expect(readdirSync(dir), 'not yet: 16 MiB of dead bytes is the threshold').toEqual(['pack-1']);
    pack.drop(sha(dropped[15] as Buffer));
    expect(readdirSync(dir)).toEqual(['pack-2']);
    expect(pack.fileBytes()).toBe(1000);
    expect(pack.get(sha(kept))).toEqual(kept);
    pack.close();
  });

  it('lets a captured read see the bytes after they were dropped and compacted away', async () => {
    const { pack, dir } = await openPack();
    const old = randomBytes(MiB);
    pack.put(sha(old), old);
    const captured = pack.capture(sha(old));
    pack.drop(sha(old));
    const filler = Buffer.alloc(16 * MiB, 7);
    pack.put(sha(filler), filler);
    pack.drop(sha(filler));
    expect(existsSync(path.join(dir, 'pack-1')), 'the first generation was compacted and unlinked').toBe(false);
    expect(sha(captured()), 'toEqual walks a MiB byte by byte').toBe(sha(old));
    pack.close();
  });

  it('refuses damaged bytes to a captured read (a snapshot), and serves the repaired copy', async () => {
    const { pack, dir } = await openPack();
    const a = randomBytes(500);
    const b = randomBytes(500);
    pack.put(sha(a), a);
    pack.put(sha(b), b);
    flipByte(dir, 510);
    expect(() => pack.capture(sha(b))()).toThrow(/does not match its SHA-256/);
    expect(pack.capture(sha(a))()).toEqual(a);
    pack.replace(sha(b), b);
    expect(pack.capture(sha(b))()).toEqual(b);
    expect(pack.get(sha(b))).toEqual(b);
    pack.close();
  });

  it('lists what it holds, with sizes (what the scrubber walks)', async () => {
    const { pack } = await openPack();
    const a = randomBytes(10);
    const b = randomBytes(20);
    pack.put(sha(a), a);
    pack.put(sha(b), b);
    pack.drop(sha(a));
    expect([...pack.entries()]).toEqual([{ sha256: sha(b), length: 20 }]);
    pack.close();
  });

  it('fails a read after close instead of reading whatever file took its descriptor', async () => {
    const { pack } = await openPack();
    const a = randomBytes(10);
    pack.put(sha(a), a);
    const captured = pack.capture(sha(a));
    pack.close();
    expect(() => captured()).toThrow(/closed/);
  });
});

function inlinePut(name: string, bytes: Buffer, at: number): PutCommand {
  return { type: 'put', name, size: bytes.length, sha256: sha(bytes), chunks: [], inline: bytes.toString('base64'), at };
}

describe('a state machine on a pack', () => {
  it('makes the same snapshots as one in memory, through rewrites, deletes and a restore', async () => {
    const { pack } = await openPack();
    const onDisk = new Driver(new StateMachine(undefined, pack));
    const inMemory = new Driver(new StateMachine());
    const contents = Array.from({ length: 20 }, (_, i) => randomBytes(100 + i * 50));
    const commands = [
      ...contents.map((c, i) => inlinePut(`f${i % 12}.bin`, c, i + 1)),
      { type: 'delete' as const, name: 'f3.bin', at: 30 },
      inlinePut('same.bin', contents[19] as Buffer, 31),
    ];
    for (const command of commands) {
      onDisk.ok(command);
      inMemory.ok(command);
    }
    const snapshot = inMemory.machine.snapshot();
    expect(onDisk.machine.snapshot()).toEqual(snapshot);
    expect(onDisk.machine.inlineBytesHeld()).toBe(inMemory.machine.inlineBytesHeld());
    const file = onDisk.machine.get('f5.bin');
    expect(Buffer.from(onDisk.machine.inlineContent(file?.sha256 ?? '') ?? [])).toEqual(contents[17]);

    const restored = new StateMachine(undefined, pack);
    restored.restore(snapshot);
    expect(restored.snapshot()).toEqual(snapshot);
    pack.close();
  });
});
