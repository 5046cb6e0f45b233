// Snapshots of the state machine, written beside the Ready loop rather than inside it.
//
// Why: with small files inline, the state is tens of MB. Encoding and writing it durably takes
// hundreds of ms, and while the loop waited for it no heartbeat or append left: on a busy machine
// the followers' election timers (500 ms on a local cluster) ran out and they elected a new
// leader under a healthy one (test/cluster/steady-leader.test.ts, in CI: the election came
// 0.8 s before the 36 MB snapshot file was written). etcd's server likewise snapshots in the
// background while its raft node keeps running.
//
// How, and why it is safe:
//  - The state is captured at a Ready boundary, with the index, term and membership it belongs
//    to: the state machine's snapshot pieces come from lists of its records taken at the call,
//    and later commands replace records rather than change them.
//  - The pieces are encoded and written (snapshot file, WAL marker, WAL segments it covers) while
//    the loop goes on. One snapshot at a time.
//  - The in-memory log changes (it refers to the new snapshot, entries before it are compacted)
//    only at a Ready boundary, so the core never sees its storage change while a Ready is being
//    carried out. Until then it keeps the previous snapshot; a send of that one may find it gone
//    from storage, which counts as a failed send, and Raft sends the newer one.
//  - A snapshot received from the leader first waits for the one under way to settle, so the WAL
//    never marks an older snapshot after a newer one; a taken snapshot that a received one has
//    overtaken is dropped.
//  - A crash at any step leaves the previous snapshot and the whole log on disk: recovery is the
//    same as for a crash just before the snapshot was taken.
import type { MemoryStorage } from '../raft/memory-storage';
import type { SnapshotMetadata } from '../raft/types';
import type { DurableState } from './raft-driver';

export interface BackgroundSnapshotOptions {
  readonly memory: MemoryStorage;
  readonly durable: DurableState;
  /** What the in-memory log holds as a durable snapshot's data (storage reads the bytes back). */
  readonly dataInStorage: Uint8Array;
  /** False once the driver stopped: nothing more may be written. */
  readonly live: () => boolean;
  /** A snapshot is durable and waits to be installed at the next Ready boundary. */
  readonly onDurable: () => void;
  readonly onFailed: (err: Error) => void;
}

export interface TakenSnapshot {
  readonly metadata: SnapshotMetadata;
  readonly compactTo: number;
  /** Bytes written. */
  readonly bytes: number;
}

export class BackgroundSnapshot {
  private underway: Promise<void> | null = null;
  private durable: TakenSnapshot | null = null;

  constructor(private readonly options: BackgroundSnapshotOptions) {}

  /** A snapshot is being written, or waits to be installed. */
  get busy(): boolean {
    return this.underway !== null || this.durable !== null;
  }

  /** Writes `pieces` (a state captured now) as the snapshot at `metadata`, then lets the log drop entries up to `compactTo`. */
  start(metadata: SnapshotMetadata, pieces: Iterable<Uint8Array>, compactTo: number): void {
    if (this.busy) return;
    this.underway = this.persist(metadata, pieces, compactTo)
      .catch((err: unknown) => this.options.onFailed(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.underway = null;
      });
  }

  /** Resolves once no snapshot is being written (one may wait to be installed). */
  async settled(): Promise<void> {
    while (this.underway !== null) await this.underway;
  }

  /** At a Ready boundary: the in-memory log refers to the durable snapshot and drops what it covers. */
  install(): TakenSnapshot | null {
    const taken = this.durable;
    this.durable = null;
    const { memory, dataInStorage } = this.options;
    if (taken === null || taken.metadata.index <= memory.snapshot().metadata.index) return null;
    memory.createSnapshot(taken.metadata.index, taken.metadata.confState, dataInStorage);
    if (taken.compactTo >= memory.firstIndex()) memory.compact(taken.compactTo);
    return taken;
  }

  private async persist(metadata: SnapshotMetadata, pieces: Iterable<Uint8Array>, compactTo: number): Promise<void> {
    let bytes = 0;
    const counted = function* () {
      for (const piece of pieces) {
        bytes += piece.byteLength;
        yield piece;
      }
    };
    await this.options.durable.compact(metadata, counted(), compactTo);
    if (!this.options.live()) return;
    this.durable = { metadata, compactTo, bytes };
    this.options.onDurable();
  }
}
