// Small files' bytes on disk (issue #11): append-only pack files, `<dataDir>/inline/pack-<n>`, and
// an index in memory (SHA-256 → file, offset, length; pack-index.ts). A write is one pwrite to the
// page cache, a read one pread; no open, fsync or close per file. The layout is a format
// (pack-format.ts).
//
// Durable at snapshots: the node's snapshots name small contents by SHA-256 instead of carrying
// them (fsm/snapshot-codec.ts, format 5), so before the WAL marks such a snapshot — and compacts
// the entries that carried the bytes — `sync()` fsyncs every pack file written since the last one.
// What was applied after that point is still in the WAL, which replays it into the pack. A node
// reopens its packs at start and rebuilds the index by scanning them; a torn tail is cut off, and
// a damaged record header is skipped up to the next intact one (storage/README.md).
//
// A dropped content is not forgotten at once: the last durable snapshot may still name it, and a
// restart would need it. Drops wait until a snapshot captured after them is durable
// (`mark`/`releaseUpTo`). Once the dead bytes outweigh the live ones (and 16 MiB) the live ones
// are copied into a new generation; the old files are unlinked at the next sync, after the copy is
// durable. A snapshot captured before that keeps reading an old file through its descriptor,
// which closes once nothing refers to it.
import { createHash } from 'node:crypto';
import { closeSync, fsync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fsyncDir } from './durable-fs';
import { isPackHeader, PACK_HEADER, recordHeader, RECORD_HEADER_BYTES, scanPack, type PackDamage } from './pack-format';
import { PackIndex, type Location as PackLocation } from './pack-index';

/** Dead bytes that make compaction worth it, whatever the live bytes. */
const MIN_DEAD_FOR_COMPACTION = 16 * 1024 * 1024;
const PACK_NAME = /^pack-(\d+)$/;
const fsyncFd = promisify(fsync);

/** One pack file; its descriptor lives as long as something (the pack, a captured read) refers to it. */
class PackFile {
  /** Set by ContentPack.close: the descriptor's number may belong to another file by now. */
  closed = false;
  constructor(
    readonly path: string,
    readonly generation: number,
    readonly fd: number,
    public size: number,
  ) {}

  /** Appends one record; resolves with its content's offset. */
  append(sha256: string, bytes: Uint8Array): number {
    const header = recordHeader(sha256, bytes.length);
    const at = this.size;
    const total = header.length + bytes.length;
    let written = writevSync(this.fd, [header, bytes], at);
    // A short write (rare: a full disk, a signal) goes on byte-wise from where it stopped.
    const whole = written < total ? Buffer.concat([header, bytes]) : null;
    while (whole !== null && written < total) written += writeSync(this.fd, whole, written, total - written, at + written);
    this.size += total;
    return at + RECORD_HEADER_BYTES;
  }

  read(offset: number, length: number): Buffer {
    if (this.closed) throw new Error(`pack ${this.path} is closed`);
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, bytes, got, length - got, offset + got);
      if (n === 0) throw new Error(`pack ${this.path} ends at ${offset + got}, before the ${length} bytes at ${offset}`);
      got += n;
    }
    return bytes;
  }
}

/** Closes a retired pack file's descriptor once no captured read can reach it any more. */
const closeWhenUnreachable = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed by ContentPack.close.
  }
});

/** null file: a snapshot names this content but no pack holds it (damage): it reads as no bytes. */
type Location = PackLocation<PackFile>;

/** What opening the packs found beside intact records: worth a log line. */
export interface PackOpenReport {
  /** Records read back into the index. */
  readonly records: number;
  /** Files of an earlier build (no header: rebuilt at every start then) or created and never written, removed. */
  readonly discarded: readonly string[];
  readonly damage: readonly PackDamage[];
}

/** The state machine's ContentBytes (fsm/inline-contents.ts) on disk. */
export class ContentPack {
  readonly durable = true;
  private readonly index = new PackIndex<PackFile>();
  /** Contents no record holds any more, with the drop counter at their drop (see mark/releaseUpTo). */
  private readonly unheld = new Map<string, number>();
  /** The drop counter when the state at each index was captured for a snapshot. */
  private readonly marks = new Map<number, number>();
  private drops = 0;
  private liveBytes = 0;
  /** Every file that is not retired, the one appended to last. */
  private files: PackFile[];
  /** Written since the last sync. */
  private readonly dirty = new Set<PackFile>();
  /** Replaced by a compaction: unlinked at the next sync, once what replaced them is durable. */
  private retired: PackFile[] = [];
  private dirChanged = false;
  /** The sync under way: one at a time, so a sync never returns while an earlier one still fsyncs what it wrote. */
  private syncing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    files: PackFile[],
  ) {
    this.files = files;
  }

  private get current(): PackFile {
    return this.files[this.files.length - 1] as PackFile;
  }

  /**
   * Opens the packs in `dir` (created if needed): every record they hold goes into the index,
   * held by no record until the state machine's restore and replay take it (put/adopt). Files
   * without a pack header are removed: an earlier build's packs, rebuilt at every start, or a
   * file whose header never reached the disk (nothing in it was ever synced).
   */
  static open(dir: string): { pack: ContentPack; report: PackOpenReport } {
    mkdirSync(dir, { recursive: true });
    const discarded: string[] = [];
    const damage: PackDamage[] = [];
    const files: PackFile[] = [];
    const found = readdirSync(dir)
      .map((name) => ({ name, generation: Number(PACK_NAME.exec(name)?.[1] ?? NaN) }))
      .filter((f) => Number.isSafeInteger(f.generation))
      .sort((a, b) => a.generation - b.generation);
    const scanned: { file: PackFile; records: ReturnType<typeof scanPack>['records'] }[] = [];
    for (const { name, generation } of found) {
      const file = path.join(dir, name);
      const fd = openSync(file, 'r+');
      if (!isPackHeader(fd)) {
        closeSync(fd);
        unlinkSync(file);
        discarded.push(name);
        continue;
      }
      const scan = scanPack(fd, name);
      damage.push(...scan.damage);
      if (scan.torn !== undefined) ftruncateSync(fd, scan.end);
      const packFile = new PackFile(file, generation, fd, scan.end);
      closeWhenUnreachable.register(packFile, fd, packFile);
      files.push(packFile);
      scanned.push({ file: packFile, records: scan.records });
    }
    const pack = new ContentPack(dir, files);
    let records = 0;
    // Oldest first: a later copy (a compaction's, a repair's) replaces an earlier one.
    // One pass, counting each content's latest copy (no second walk of the index making a
    // Location per entry: 100,000 of them at a restart, issue #11). `unheld` gets each SHA-256
    // at its first copy, so its order is the index's, as before.
    for (const { file, records: held } of scanned) {
      for (const r of held) {
        const earlier = pack.index.lengthOf(r.sha256);
        if (earlier !== undefined) pack.liveBytes -= earlier;
        pack.index.set(r.sha256, { file, offset: r.offset, length: r.length, checked: false });
        pack.liveBytes += r.length;
        pack.unheld.set(r.sha256, 0);
      }
      records += held.length;
    }
    if (files.length === 0) pack.files = [pack.newFile(1)];
    return { pack, report: { records, discarded, damage } };
  }

  put(sha256: string, bytes: Uint8Array): void {
    const at = this.index.get(sha256);
    if (at !== undefined && at.file !== null && (at.checked || this.sameBytes(at, bytes))) {
      this.unheld.delete(sha256);
      if (!at.checked) this.index.set(sha256, { ...at, checked: true });
      return;
    }
    // New, or a copy found at open that is not these bytes (a record whose header reached the disk
    // and its content did not): the WAL entry replaying it has the bytes.
    this.unheld.delete(sha256);
    this.write(sha256, bytes, at);
  }

  /**
   * A content that arrived with a snapshot not installed yet (transport/snapshot-stream.ts),
   * checked against its SHA-256 by the receiver: written (unless held already), held by nothing
   * until the snapshot's restore adopts it, and gone like a drop made now if that never happens
   * (the transfer was cut): the first snapshot captured after this releases it.
   */
  receive(sha256: string, bytes: Uint8Array): void {
    const at = this.index.get(sha256);
    if (at !== undefined && !this.unheld.has(sha256)) return;
    if (at === undefined || at.file === null || !(at.checked || this.sameBytes(at, bytes))) this.write(sha256, bytes, at);
    this.drops += 1;
    this.unheld.delete(sha256);
    this.unheld.set(sha256, this.drops);
  }

  /** A restored snapshot names `sha256` without its bytes: they are here, or (damage) they read as none until repaired. */
  adopt(sha256: string, size: number): void {
    this.unheld.delete(sha256);
    if (this.index.lengthOf(sha256) === size) {
      // Keyed again by the caller's string, which the state machine's records hold anyway: the
      // one the scan made at open (64 characters, ~80 bytes) goes, ~8 MiB at 100,000 contents.
      // In place (no Location copied out and set back: a restart adopts every content).
      this.index.rekey(sha256);
      return;
    }
    const at = this.index.get(sha256);
    if (at?.file) this.liveBytes -= at.length;
    this.index.set(sha256, { file: null, offset: 0, length: size, checked: true });
  }

  get(sha256: string): Buffer | undefined {
    const at = this.index.get(sha256);
    if (at === undefined) return undefined;
    // Missing bytes read as none: whoever serves them checks the SHA-256 and repairs from a peer.
    return at.file === null ? Buffer.alloc(0) : at.file.read(at.offset, at.length);
  }

  size(sha256: string): number | undefined {
    return this.index.lengthOf(sha256);
  }

  /** No record holds `sha256` now; its bytes stay until a snapshot captured after this is durable. */
  drop(sha256: string): void {
    if (!this.index.has(sha256)) return;
    this.drops += 1;
    this.unheld.delete(sha256);
    this.unheld.set(sha256, this.drops);
  }

  /** The state at `index` is being captured for a snapshot: what was dropped before may go once it is durable. */
  mark(index: number): void {
    this.marks.set(index, this.drops);
  }

  /**
   * The snapshot at `index` is durable and the WAL relies on it: contents dropped before its state
   * was captured are gone for good (dead bytes, compacted once they outweigh the live ones).
   */
  releaseUpTo(index: number): void {
    let upTo: number | undefined;
    for (const [marked, drops] of this.marks) {
      if (marked > index) continue;
      if (marked === index) upTo = drops;
      this.marks.delete(marked);
    }
    if (upTo === undefined) return;
    for (const [sha256, droppedAt] of this.unheld) {
      if (droppedAt > upTo) continue;
      this.unheld.delete(sha256);
      const at = this.index.get(sha256);
      this.index.delete(sha256);
      if (at?.file) this.liveBytes -= at.length;
    }
    const total = this.files.reduce((sum, f) => sum + f.size, 0);
    const dead = total - this.liveBytes;
    if (dead >= MIN_DEAD_FOR_COMPACTION && dead > this.liveBytes) this.compact();
  }

  /**
   * Checked against the SHA-256 when read: a snapshot's checksum covers what it was given, so
   * bytes damaged in the pack must not reach one (the scrubber repairs them from a peer).
   */
  capture(sha256: string): () => Buffer {
    const at = this.index.get(sha256);
    if (at === undefined || at.file === null) throw new Error(`inline content ${sha256} is not in the pack`);
    const { file, offset, length } = at;
    return () => {
      const bytes = file.read(offset, length);
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`inline content ${sha256} in pack ${file.path} does not match its SHA-256`);
      return bytes;
    };
  }

  /** Makes every record written so far durable, then unlinks the files a compaction replaced. */
  sync(): Promise<void> {
    const next = this.syncing.then(() => this.syncNow());
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async syncNow(): Promise<void> {
    // Taken first: a compaction during the awaits retires files whose replacement is not synced yet.
    const retiring = this.retired.splice(0);
    const files = [...this.dirty];
    this.dirty.clear();
    const dirChanged = this.dirChanged;
    this.dirChanged = false;
    for (const file of files) if (!file.closed) await fsyncFd(file.fd);
    if (dirChanged) await fsyncDir(this.dir);
    for (const file of retiring) unlinkSync(file.path);
  }

  /** Every content a record holds, with its SHA-256 (the scrubber re-hashes them). */
  *entries(): Generator<{ sha256: string; length: number }> {
    for (const [sha256, at] of [...this.index.entries()]) {
      if (this.index.has(sha256) && !this.unheld.has(sha256)) yield { sha256, length: at.length };
    }
  }

  /**
   * Writes `bytes` again as the content `sha256` (the scrubber's repair, with bytes it checked):
   * the index points at the new copy; the damaged one is dead bytes.
   */
  replace(sha256: string, bytes: Uint8Array): void {
    const at = this.index.get(sha256);
    if (at === undefined || at.length !== bytes.length) return;
    this.write(sha256, bytes, at);
  }

  /** Bytes in the pack files, headers, live and dead contents. */
  fileBytes(): number {
    return this.files.reduce((sum, f) => sum + f.size, 0);
  }

  close(): void {
    this.index.clear();
    for (const file of [...this.files, ...this.retired]) {
      closeWhenUnreachable.unregister(file);
      file.closed = true;
      closeSync(file.fd);
    }
  }

  private write(sha256: string, bytes: Uint8Array, replacing: Location | undefined): void {
    if (replacing?.file) this.liveBytes -= replacing.length;
    const file = this.current;
    this.index.set(sha256, { file, offset: file.append(sha256, bytes), length: bytes.length, checked: true });
    this.dirty.add(file);
    this.liveBytes += bytes.length;
  }

  private sameBytes(at: Location, bytes: Uint8Array): boolean {
    return at.file !== null && at.length === bytes.length && at.file.read(at.offset, at.length).equals(bytes);
  }

  private newFile(generation: number): PackFile {
    const file = path.join(this.dir, `pack-${generation}`);
    const fd = openSync(file, 'wx+');
    writeSync(fd, PACK_HEADER, 0, PACK_HEADER.length, 0);
    const packFile = new PackFile(file, generation, fd, PACK_HEADER.length);
    closeWhenUnreachable.register(packFile, fd, packFile);
    this.dirty.add(packFile);
    this.dirChanged = true;
    return packFile;
  }

  /** Copies the live contents into a new generation; the old files go at the next sync. */
  private compact(): void {
    const old = this.files;
    const next = this.newFile(this.current.generation + 1);
    this.files = [next];
    this.liveBytes = 0;
    for (const [sha256, at] of this.index.entries()) {
      if (at.file === null) continue;
      this.index.set(sha256, { file: next, offset: next.append(sha256, at.file.read(at.offset, at.length)), length: at.length, checked: at.checked });
      this.liveBytes += at.length;
    }
    this.retired.push(...old);
  }
}
