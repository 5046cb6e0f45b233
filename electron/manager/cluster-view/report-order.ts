// Which of two reports of one node's Raft state is the newer. Reports arrive out of order: a poll
// answered late can land after an event that already told of a newer state, or after the node
// was restarted. Pure.
import type { NodeStatus } from '../../../node-runtime/common/api-types';

export interface StatusReading {
  readonly status: NodeStatus;
  /**
   * Which run of the node it came from, increasing with every restart (a process's start time in
   * local mode; 0 where the manager cannot tell runs apart).
   */
  readonly incarnation: number;
  /**
   * The moment by which the state shown was current: a poll's send time (the node answered after
   * it), an event's arrival.
   */
  readonly asOf: number;
}

/**
 * Whether `incoming` should replace `known`. A report from an earlier run never does; one from a
 * later run always does (even with a lower term: that node started afresh on new data). Within a
 * run the term never goes down, so a lower-term report is stale whatever its route or timing.
 * Within one term the role and leader still move (a candidate wins, a leader steps down), so
 * there the report that was current later wins; a tie goes to the incoming one.
 */
export function supersedes(incoming: StatusReading, known: StatusReading | null): boolean {
  if (known === null) return true;
  if (incoming.incarnation !== known.incarnation) return incoming.incarnation > known.incarnation;
  if (incoming.status.term !== known.status.term) return incoming.status.term > known.status.term;
  return incoming.asOf >= known.asOf;
}
