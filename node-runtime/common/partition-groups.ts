// Which nodes can still talk to each other under the fault rules a user injected. Shared by the
// manager (a node cut off from the main group does not count toward its quorum) and the dashboard
// (which offers to reconnect it), so both call the same nodes "isolated".

export interface PartitionedNode {
  readonly id: number;
  /** Peers this node is cut off from. */
  readonly partitionedFrom: readonly number[];
}

/**
 * The groups of nodes that can still talk to each other: connected components of the "not cut
 * off" relation, each sorted, in order of their lowest node id.
 */
export function partitionGroups(nodes: readonly PartitionedNode[]): number[][] {
  const ids = nodes.map((n) => n.id).sort((a, b) => a - b);
  const cut = new Map(nodes.map((n) => [n.id, new Set(n.partitionedFrom)]));
  const canTalk = (a: number, b: number) => !cut.get(a)?.has(b) && !cut.get(b)?.has(a);
  const seen = new Set<number>();
  const groups: number[][] = [];
  for (const start of ids) {
    if (seen.has(start)) continue;
    const group: number[] = [];
    const queue = [start];
    seen.add(start);
    while (queue.length > 0) {
      const id = queue.shift() as number;
      group.push(id);
      for (const other of ids) {
        if (!seen.has(other) && canTalk(id, other)) {
          seen.add(other);
          queue.push(other);
        }
      }
    }
    groups.push(group.sort((a, b) => a - b));
  }
  return groups;
}

/**
 * Whether a node sits outside the main group (the largest one; on a tie, the one with the lowest
 * node id). Those are the nodes a user thinks of as "isolated" and would reconnect.
 */
export function isCutOff(nodes: readonly PartitionedNode[], id: number): boolean {
  const groups = partitionGroups(nodes);
  if (groups.length <= 1) return false;
  const main = groups.reduce((best, g) => (g.length > best.length ? g : best));
  return !main.includes(id);
}
