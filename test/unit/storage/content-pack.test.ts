// The packs that keep small files' bytes on disk (storage/content-pack.ts, pack-format.ts): what
// they hold reads back, also after a reopen (the index rebuilt by a scan); a torn tail is cut off
// and a damaged header skipped; dropped bytes stay while a durable snapshot may name them, then are
// compacted away; a snapshot captured before a compaction still reads what it captured; damage is
// caught before it reaches a snapshot; and a state machine on a pack makes exactly the snapshots of
// one that keeps the bytes in memory, or names its contents (format 5) for its own store.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PutCommand } from '../../../node-runtime/fsm/commands';
import { withContentBytes, SnapshotFormatError } from '../../../node-runtime/fsm/snapshot-codec';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { ContentPack } from '../../../node-runtime/storage/content-pack';
import { Driver } from '../fsm/builders';
import { useTempDirs } from './temp-dir';

const tempDir = useTempDirs();
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MiB = 1024 * 1024;

async function openPack(): Promise<{ pack: ContentPack; dir: string }> {
  const dir = path.join(await tempDir(), 'inline');
  return { pack: ContentPack.open(dir).pack, dir };
}

/** The pack files in `dir`, by name. */
const packFiles = (dir: string) => readdirSync(dir).sort();

/** Flips the byte `at` bytes into the first copy of `content` in the pack file `name`. */
function flipIn(dir: string, name: string, content: Buffer, at: number): void {
  const file = path.join(dir, name);
  const bytes = readFileSync(file);
  const offset = bytes.indexOf(content) + at;
  bytes[offset] = (bytes[offset] as number) ^ 0xff;
  writeFileSync(file, bytes);
}

/** Drops `sha256` for good: dropped, then a snapshot captured after the drop is durable. */
function dropForGood(pack: ContentPack, sha256: string, index: number): void {
  pack.drop(sha256);
  pack.mark(index);
  pack.releaseUpTo(index);
}

describe('ContentPack', () => {
  it('reads back what it holds; a dropped content stays until a snapshot captured after the drop is durable', async () => {
    const { pack } = await openPack();
    const a = randomBytes(100);
    const b = randomBytes(4000);
    pack.put(sha(a), a);
    pack.mark(5);
    pack.put(sha(b), b);
    expect(pack.get(sha(a))).toEqual(a);
    expect(pack.get(sha(b))).toEqual(b);
    pack.drop(sha(a));
    pack.releaseUpTo(5);
    expect(pack.get(sha(a)), 'the snapshot at 5 names it: kept').toEqual(a);
    expect([...pack.entries()], 'no record holds it: not scrubbed').toEqual([{ sha256: sha(b), length: 4000 }]);
    pack.mark(6);
    pack.releaseUpTo(6);
    expect(pack.get(sha(a))).toBeUndefined();
    expect(pack.get(sha(b))).toEqual(b);
    pack.close();
  });

  it('takes a content back that was dropped and put again before a snapshot released it', async () => {
    const { pack } = await openPack();
    const a = randomBytes(100);
    pack.put(sha(a), a);
    pack.drop(sha(a));
    pack.put(sha(a), a);
    pack.mark(2);
    pack.releaseUpTo(2);
    expect(pack.get(sha(a))).toEqual(a);
    expect(pack.fileBytes(), 'written once').toBe(8 + 44 + 100);
    pack.close();
  });

  it('keeps a content received with a snapshot, held by nothing until that snapshot is restored (adopt); released if it never is', async () => {
    const { pack } = await openPack();
    const [held, installed, cut] = [randomBytes(300), randomBytes(400), randomBytes(500)];
    pack.put(sha(held), held);
    pack.mark(1); // a snapshot of this node's own, captured before the contents arrive
    for (const bytes of [held, installed, cut]) pack.receive(sha(bytes), bytes);
    expect([...pack.entries()], 'received contents are not held: not scrubbed').toEqual([{ sha256: sha(held), length: 300 }]);
    pack.releaseUpTo(1);
    expect(pack.get(sha(installed)), 'a snapshot captured before they came does not release them').toEqual(installed);
    pack.adopt(sha(installed), installed.length); // the received snapshot, restored, names it
    pack.mark(2);
    pack.releaseUpTo(2);
    expect(pack.get(sha(installed))).toEqual(installed);
    expect(pack.get(sha(held)), 'held before: receiving it changed nothing').toEqual(held);
    expect(pack.get(sha(cut)), 'its snapshot never came (a cut transfer): gone with the next snapshot').toBeUndefined();
  });

  it('reopens with every record it was given, synced or not, held by none until put or adopted', async () => {
    const { pack, dir } = await openPack();
    const contents = Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 97));
    for (const c of contents) pack.put(sha(c), c);
    await pack.sync();
    pack.close();
    const { pack: again, report } = ContentPack.open(dir);
    expect(report).toEqual({ records: 50, discarded: [], damage: [] });
    expect(packFiles(dir), 'reopened, not rebuilt').toEqual(['pack-1']);
    for (const c of contents) expect(again.get(sha(c))).toEqual(c);
    expect([...again.entries()]).toEqual([]);
    again.adopt(sha(contents[3] as Buffer), contents[3]?.length ?? 0);
    again.put(sha(contents[4] as Buffer), contents[4] as Buffer);
    expect([...again.entries()].map((e) => e.sha256).sort()).toEqual([sha(contents[3] as Buffer), sha(contents[4] as Buffer)].sort());
    expect(again.fileBytes(), 'a put of bytes it holds writes nothing').toBe(pack.fileBytes());
    // What nothing took back goes with the first snapshot.
    again.mark(1);
    again.releaseUpTo(1);
    expect(again.get(sha(contents[5] as Buffer))).toBeUndefined();
    expect(again.get(sha(contents[3] as Buffer))).toEqual(contents[3]);
    again.close();
  });

  it('cuts a torn tail off (a record cut short, or a header half written) and appends after what is intact', async () => {
    const { pack, dir } = await openPack();
    const a = randomBytes(300);
    const b = randomBytes(300);
    pack.put(sha(a), a);
    pack.put(sha(b), b);
    pack.close();
    const file = path.join(dir, 'pack-1');
    const intact = 8 + 44 + 300;
    truncateSync(file, intact + 44 + 150);
    const { pack: again, report } = ContentPack.open(dir);
    expect(report.damage).toEqual([{ file: 'pack-1', kind: 'torn', at: intact, bytes: 44 + 150 }]);
    expect(statSync(file).size).toBe(intact);
    expect(again.get(sha(a))).toEqual(a);
    expect(again.get(sha(b))).toBeUndefined();
    const c = randomBytes(10);
    again.put(sha(c), c);
    again.close();
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('DFSr\x01\x02')]));
    const { pack: third, report: torn } = ContentPack.open(dir);
    expect(torn.damage.map((d) => d.kind)).toEqual(['torn']);
    expect(third.get(sha(c))).toEqual(c);
    third.close();
  });

  it('skips a record whose header is damaged to the next intact one, and reads the rest', async () => {
    const { pack, dir } = await openPack();
    const contents = [randomBytes(200), randomBytes(200), randomBytes(200)];
    for (const c of contents) pack.put(sha(c), c);
    pack.close();
    const file = path.join(dir, 'pack-1');
    const bytes = readFileSync(file);
    const secondHeader = 8 + 44 + 200;
    bytes[secondHeader + 20] = (bytes[secondHeader + 20] as number) ^ 0x01; // inside its SHA-256: the header's CRC fails
    writeFileSync(file, bytes);
    const { pack: again, report } = ContentPack.open(dir);
    expect(report.damage).toEqual([{ file: 'pack-1', kind: 'corrupt', at: secondHeader, bytes: 244 }]);
    expect(again.get(sha(contents[0] as Buffer))).toEqual(contents[0]);
    expect(again.get(sha(contents[1] as Buffer))).toBeUndefined();
    expect(again.get(sha(contents[2] as Buffer))).toEqual(contents[2]);
    // A snapshot names the lost one: it reads as no bytes (the reader's SHA-256 check fails and a
    // peer's copy is fetched), is scrubbed, and a repair writes it again.
    const lost = contents[1] as Buffer;
    again.adopt(sha(lost), lost.length);
    expect(again.get(sha(lost))).toEqual(Buffer.alloc(0));
    expect([...again.entries()]).toEqual([{ sha256: sha(lost), length: 200 }]);
    expect(() => again.capture(sha(lost))).toThrow(/not in the pack/);
    again.replace(sha(lost), lost);
    expect(again.get(sha(lost))).toEqual(lost);
    again.close();
  });

  it('writes again a content whose record reached the disk without its bytes, when the log replays it', async () => {
    const { pack, dir } = await openPack();
    const a = randomBytes(500);
    pack.put(sha(a), a);
    pack.close();
    flipIn(dir, 'pack-1', a, 10);
    const { pack: again } = ContentPack.open(dir);
    expect(again.get(sha(a))).not.toEqual(a);
    again.put(sha(a), a);
    expect(again.get(sha(a))).toEqual(a);
    again.close();
  });

  it('removes files without a pack header: an earlier build\'s pack, rebuilt at every start', async () => {
    const dir = path.join(await tempDir(), 'inline');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'pack-1'), randomBytes(1000));
    const { pack, report } = ContentPack.open(dir);
    expect(report).toEqual({ records: 0, discarded: ['pack-1'], damage: [] });
    expect(packFiles(dir)).toEqual(['pack-1']);
    expect(readFileSync(path.join(dir, 'pack-1')).toString('latin1')).toBe('DFSPACK1');
    pack.close();
  });

  it('compacts once released bytes outweigh the live ones, unlinks the old file only at a sync, and reopens from the new one', async () => {
    const { pack, dir } = await openPack();
    const kept = randomBytes(1000);
    pack.put(sha(kept), kept);
    const dropped = Array.from({ length: 16 }, (_, i) => Buffer.alloc(MiB, i));
    for (const d of dropped) pack.put(sha(d), d);
    for (const d of dropped.slice(0, 15)) pack.drop(sha(d));
    pack.mark(1);
    pack.releaseUpTo(1);
    expect(packFiles(dir), 'not yet: 16 MiB of dead bytes is the threshold').toEqual(['pack-1']);
    dropForGood(pack, sha(dropped[15] as Buffer), 2);
    expect(packFiles(dir), 'the old file stays until the copy is durable').toEqual(['pack-1', 'pack-2']);
    await pack.sync();
    expect(packFiles(dir)).toEqual(['pack-2']);
    expect(pack.fileBytes()).toBe(8 + 44 + 1000);
    expect(pack.get(sha(kept))).toEqual(kept);
    pack.close();
    const { pack: again, report } = ContentPack.open(dir);
    expect(report.records).toBe(1);
    expect(again.get(sha(kept))).toEqual(kept);
    again.close();
  });

  it('reopens after a crash between compaction and sync: both generations, the newer copy wins', async () => {
    const { pack, dir } = await openPack();
    const kept = randomBytes(1000);
    pack.put(sha(kept), kept);
    const filler = Buffer.alloc(17 * MiB, 3);
    pack.put(sha(filler), filler);
    dropForGood(pack, sha(filler), 1);
    expect(packFiles(dir)).toEqual(['pack-1', 'pack-2']);
    pack.close();
    const { pack: again, report } = ContentPack.open(dir);
    expect(report.records).toBe(3);
    again.adopt(sha(kept), kept.length);
    expect(again.get(sha(kept))).toEqual(kept);
    expect([...again.entries()]).toEqual([{ sha256: sha(kept), length: 1000 }]);
    again.close();
  });

  it('lets a captured read see the bytes after they were dropped and compacted away', async () => {
    const { pack, dir } = await openPack();
    const old = randomBytes(MiB);
    pack.put(sha(old), old);
    const captured = pack.capture(sha(old));
    const filler = Buffer.alloc(16 * MiB, 7);
    pack.put(sha(filler), filler);
    dropForGood(pack, sha(old), 1);
    dropForGood(pack, sha(filler), 2);
    await pack.sync();
    expect(existsSync(path.join(dir, 'pack-1')), 'the first generation was compacted and unlinked').toBe(false);
    expect(sha(captured()), 'toEqual walks a MiB byte by byte').toBe(sha(old));
    pack.close();
  });

  it('refuses damaged bytes to a captured read (a snapshot), and serves the repaired copy, also after a reopen', async () => {
    const { pack, dir } = await openPack();
    const a = randomBytes(500);
    const b = randomBytes(500);
    pack.put(sha(a), a);
    pack.put(sha(b), b);
    flipIn(dir, 'pack-1', b, 10);
    expect(() => pack.capture(sha(b))()).toThrow(/does not match its SHA-256/);
    expect(pack.capture(sha(a))()).toEqual(a);
    pack.replace(sha(b), b);
    expect(pack.capture(sha(b))()).toEqual(b);
    expect(pack.get(sha(b))).toEqual(b);
    pack.close();
    const { pack: again } = ContentPack.open(dir);
    expect(again.get(sha(b)), 'the later copy').toEqual(b);
    again.close();
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

  it('keeps snapshots that name contents (format 5), restored on the reopened pack, and sent with their bytes (format 4)', async () => {
    const { pack, dir } = await openPack();
    const onDisk = new Driver(new StateMachine(undefined, pack));
    const contents = Array.from({ length: 30 }, (_, i) => randomBytes(50 + i * 30));
    contents.forEach((c, i) => onDisk.ok(inlinePut(`f${i % 20}.bin`, c, i + 1)));
    onDisk.ok({ type: 'delete', name: 'f7.bin', at: 40 });
    const withBytes = onDisk.machine.snapshot();
    const named = Buffer.concat([...onDisk.machine.snapshotPieces()]);
    expect(named[0]).toBe(5);
    expect(withBytes[0]).toBe(4);
    expect(named.length, 'names, not bytes').toBeLessThan(withBytes.length / 2);
    expect(Buffer.from(withContentBytes(named, (h) => pack.capture(h)())).equals(Buffer.from(withBytes))).toBe(true);
    expect(() => new StateMachine().restore(named), 'memory cannot hold what a format-5 snapshot names').toThrow(SnapshotFormatError);

    await pack.sync();
    pack.close();
    const reopened = ContentPack.open(dir).pack;
    const restarted = new StateMachine(undefined, reopened);
    restarted.restore(named);
    expect(Buffer.from(restarted.snapshot()).equals(Buffer.from(withBytes))).toBe(true);
    expect(Buffer.from(restarted.inlineContent(sha(contents[25] as Buffer)) ?? [])).toEqual(contents[25]);
    reopened.close();
  });
});
