// Refuses new chunks that would eat into the disk space a node keeps in reserve, for client
// uploads and replicas alike: a follower short of space refuses, the leader counts it as not
// holding the file, and the write needs a majority elsewhere. A small file travels in its Raft
// entry, which no replica can refuse: the reserve that applies is the one of the node that took
// the client's request — the leader, or a follower that relays the entry (proposal-relay.ts).
import { ApiError } from '../common/errors';
import { formatBytes } from '../common/units';
import type { Clock } from '../ports';
import { diskFree } from '../storage/disk-free';

/** How old a free-space reading may be: statfs on every write shows up in profiles. */
const READING_TTL_MS = 1_000;

export interface DiskGuardOptions {
  readonly dataDir: string;
  readonly nodeId: number;
  /** The reserve, read at each check so a changed setting applies at once. */
  readonly reserveBytes: () => number;
  readonly clock: Clock;
}

export class DiskGuard {
  private reading: { at: number; free: number | null } | null = null;

  constructor(private readonly options: DiskGuardOptions) {}

  /** Throws `disk_full` when `incoming` more bytes would leave less than the reserve free. */
  async check(incoming: number): Promise<void> {
    const now = this.options.clock.now();
    if (this.reading === null || now - this.reading.at > READING_TTL_MS) this.reading = { at: now, free: await diskFree(this.options.dataDir) };
    const { free } = this.reading;
    const reserve = this.options.reserveBytes();
    if (free !== null && free - incoming < reserve) {
      throw new ApiError('disk_full', `node ${this.options.nodeId} keeps ${formatBytes(reserve)} of disk free (setting diskReserveBytes) and has ${formatBytes(free)}; refusing new chunks`);
    }
  }
}
