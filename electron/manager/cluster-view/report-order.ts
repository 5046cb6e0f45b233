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

/**
 * What the manager keeps when `incoming` arrives: the incoming reading when it supersedes the
 * known one; the known one when it comes from an earlier run or a lower term; otherwise (an older
 * report of the same run and term) the incoming details the known reading may lack (log terms,
 * contact times) under the known role, leader and vote, with indexes that never go back.
 */
export function reconcile(known: StatusReading | null, incoming: StatusReading): StatusReading {
  if (known === null || supersedes(incoming, known)) return incoming;
  if (incoming.incarnation !== known.incarnation || incoming.status.term !== known.status.term) return known;
  const k = known.status;
  const i = incoming.status;
  return {
    ...known,
    status: {
      ...i,
      role: k.role,
      leaderId: k.leaderId,
      leaderUrl: k.leaderUrl,
      votedFor: k.votedFor,
      commitIndex: Math.max(k.commitIndex, i.commitIndex),
      appliedIndex: Math.max(k.appliedIndex, i.appliedIndex),
      lastIndex: Math.max(k.lastIndex, i.lastIndex),
      snapshotIndex: Math.max(k.snapshotIndex, i.snapshotIndex),
    },
  };
}
