// The format this node writes its next Raft command in, from what the members advertised
// (common/command-formats.ts holds the rule). It says in the log when the format changes: while a
// member of an older release holds the cluster back, when the last one is upgraded and the newest
// format switches on, and when a member speaks no format this node writes.
import { chooseFormat, formatRangeText, type AdvertisedFormats, type FormatChoice, type FormatRange } from '../common/command-formats';
import { ApiError } from '../common/errors';
import type { Clock } from '../ports';

export interface CommandFormatGateOptions {
  readonly selfId: number;
  readonly own: FormatRange;
  /** The other members of the configuration, voters and learners. */
  readonly members: () => readonly number[];
  readonly advertised: () => AdvertisedFormats;
  readonly log: { info(details: object, message: string): void; warn(details: object, message: string): void };
  readonly clock: Clock;
}

/** How long a member add waits for the newcomer's handshake (the transport's own handshake timeout). */
const JOINER_HANDSHAKE_MS = 5_000;
const JOINER_POLL_MS = 50;

export interface CommandFormatStatus {
  readonly applies: FormatRange;
  /** What this node writes as leader now (FormatChoice.format). */
  readonly writes: number;
  readonly behind: number[];
  readonly cannot: number[];
}

export class CommandFormatGate {
  private told = '';

  constructor(private readonly options: CommandFormatGateOptions) {}

  status(): CommandFormatStatus {
    const { format, behind, cannot } = this.choice();
    return { applies: this.options.own, writes: format, behind, cannot };
  }

  /** The format for an entry proposed now. */
  format(): number {
    const choice = this.choice();
    this.tell(choice);
    return choice.format;
  }

  /**
   * Before a node joins: once the cluster writes a format, entries of it are in the log the
   * newcomer must apply, so one that does not apply it (an older release) is refused with a 409
   * that says to upgrade it. A newcomer not reachable yet is let in, as before this check: until
   * it answers, it counts as the oldest format (chooseFormat).
   */
  async admit(id: number): Promise<void> {
    const { advertised, clock } = this.options;
    const deadline = clock.now() + JOINER_HANDSHAKE_MS;
    while (!advertised().has(id) && clock.now() < deadline) await new Promise<void>((resolve) => clock.after(JOINER_POLL_MS, resolve));
    const range = advertised().get(id);
    const writes = this.choice().format;
    if (range === undefined || (range.min <= writes && writes <= range.max)) return;
    throw new ApiError('conflict', `node ${id} applies command formats ${formatRangeText(range)}, and this cluster writes format ${writes}: upgrade it before adding it`);
  }

  private choice(): FormatChoice {
    return chooseFormat(this.options.own, this.options.members(), this.options.advertised());
  }

  private tell(choice: FormatChoice): void {
    const key = JSON.stringify(choice);
    if (key === this.told) return;
    this.told = key;
    const { log, own, selfId } = this.options;
    const { format, behind, cannot } = choice;
    if (cannot.length > 0) log.warn({ cannot }, `${nodes(cannot)} cannot apply command format ${format}, which node ${selfId} (${formatRangeText(own)}) writes for the others: cut off until upgraded, or this node is`);
    if (behind.length > 0) log.warn({ format, newest: own.max, behind }, `writing command format ${format}, not ${own.max}, until ${nodes(behind)} ${behind.length > 1 ? 'are' : 'is'} upgraded (or heard from)`);
    else log.info({ format }, `writing command format ${format}${cannot.length > 0 ? '' : ': every member applies it'}`);
  }
}

function nodes(ids: readonly number[]): string {
  return `${ids.length > 1 ? 'nodes' : 'node'} ${ids.join(', ')}`;
}
