// One wording for every on-disk or wire format a build cannot read (node.json, WAL segments,
// state snapshots and commands, backup archives): a newer format names the fix (upgrade), since
// it is what an operator meets after rolling a node back; anything else is damage.

export function unreadableFormat(what: string, found: unknown, readable: readonly number[]): string {
  const newest = Math.max(...readable);
  if (typeof found === 'number' && Number.isInteger(found) && found > newest) {
    return `${what} is format ${found}, written by a newer dfs-node; this one reads format ${readable.join(', ')}: upgrade dfs-node to open it`;
  }
  return `${what} has an unknown format ${JSON.stringify(found)} (this dfs-node reads format ${readable.join(', ')}): it is damaged or not ours`;
}
