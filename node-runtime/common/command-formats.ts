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

export type FormatChoice =
  /** `behind`: the members that hold the cluster below this node's newest format. */
  | { readonly ok: true; readonly format: number; readonly behind: number[] }
  /** No format this node writes is one every member applies; `cannot` names the members. */
  | { readonly ok: false; readonly cannot: number[] };

/**
 * The format to write an entry in: the newest that this node and every other member of the
 * configuration (`members`, voters and learners) can apply. A member not heard from yet counts as
 * UNADVERTISED: it may come back as an older release, and a committed entry it cannot apply is
 * not one it can skip.
 */
export function chooseFormat(own: FormatRange, members: readonly number[], advertised: AdvertisedFormats): FormatChoice {
  let format = own.max;
  const ranges = members.map((id) => ({ id, range: advertised.get(id) ?? UNADVERTISED }));
  const cannot = ranges.filter(({ range }) => range.max < own.min || range.min > own.max).map(({ id }) => id);
  if (cannot.length > 0) return { ok: false, cannot };
  for (const { range } of ranges) format = Math.min(format, range.max);
  const behind = ranges.filter(({ range }) => range.max < own.max).map(({ id }) => id);
  return { ok: true, format, behind };
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
