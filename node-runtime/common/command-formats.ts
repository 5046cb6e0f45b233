// Which format of Raft command the leader may write while nodes of different releases share a
// cluster (issue #18, rolling upgrades). Every node advertises the command formats it can apply
// in its peer handshake; an entry is applied by every member, voters and learners alike, so the
// leader writes the newest format they all speak, and switches to a newer one only once the last
// member advertises it. Pure logic: the transport feeds what peers advertised, the writer asks.

/** The command formats a build can apply: every one from `min` to `max`. */
export interface FormatRange {
  readonly min: number;
  readonly max: number;
}

/**
 * What a peer from before this negotiation (it advertises nothing) is taken to speak: the oldest
 * format only, since its release cannot be told apart from the first one.
 */
export const UNADVERTISED: FormatRange = { min: 1, max: 1 };

/** The handshake header that carries a node's range, e.g. "1-3". */
export const COMMAND_FORMATS_HEADER = 'x-dfs-command-formats';

export function formatRangeText(range: FormatRange): string {
  return range.min === range.max ? String(range.min) : `${range.min}-${range.max}`;
}

/**
 * A peer's advertised range; UNADVERTISED when the header is absent (a peer of an older release),
 * null when it is present but malformed (not a peer to trust with our log).
 */
export function parseFormatRange(value: string | string[] | undefined): FormatRange | null {
  if (value === undefined) return UNADVERTISED;
  const match = typeof value === 'string' ? /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(value) : null;
  if (!match) return null;
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  return min >= 1 && min <= max ? { min, max } : null;
}

/** What the peers of this node advertised, by id; a member absent here has not been heard from yet. */
export type AdvertisedFormats = ReadonlyMap<number, FormatRange>;

export interface FormatChoice {
  /** The format to write an entry in. */
  readonly format: number;
  /** Members that hold it below this node's newest: older releases, or not heard from yet. */
  readonly behind: number[];
  /** Members that cannot apply it: no format in common with this node (their streams are refused). */
  readonly cannot: number[];
}

/**
 * The format to write an entry in: the newest that this node and every other member of the
 * configuration (`members`, voters and learners) can apply. A member not heard from yet counts as
 * UNADVERTISED: it may come back as an older release, and a committed entry it cannot apply is
 * not one it can skip. A member with no format in common with this node cannot take part at all
 * (its stream is refused), so it does not hold the others back; it is named in `cannot`, as is
 * one whose oldest format is newer than what the others need (only a later release could be).
 */
export function chooseFormat(own: FormatRange, members: readonly number[], advertised: AdvertisedFormats): FormatChoice {
  const ranges = members.map((id) => ({ id, range: advertised.get(id) ?? UNADVERTISED }));
  const sharing = ranges.filter(({ range }) => compatible(own, range));
  const format = Math.min(own.max, ...sharing.map(({ range }) => range.max));
  return {
    format,
    behind: sharing.filter(({ range }) => range.max < own.max).map(({ id }) => id),
    cannot: ranges.filter(({ range }) => range.min > format || range.max < format).map(({ id }) => id),
  };
}

/** Whether a peer can share a cluster with this node at all: some format both can apply. */
export function compatible(own: FormatRange, peer: FormatRange): boolean {
  return peer.max >= own.min && peer.min <= own.max;
}

/** One line for logs and errors on a peer this node cannot share a log with. */
export function incompatibility(selfId: number, own: FormatRange, peerId: number, peer: FormatRange): string {
  const newer = peer.min > own.max;
  return (
    `node ${peerId} applies command formats ${formatRangeText(peer)} and node ${selfId} ${formatRangeText(own)}: no format in common; ` +
    (newer ? `upgrade node ${selfId}` : `upgrade node ${peerId}`)
  );
}
