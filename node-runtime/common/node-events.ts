// The events a node pushes as its state changes, so watchers see an election or a catch-up as it
// happens instead of at their next poll. A local node sends them to its manager over the IPC
// channel (`{ type: 'nodeEvent', event }`); any node serves them as `GET /events` (Server-Sent
// Events, one `event: node` per event with the JSON below as `data:`, authenticated like the rest
// of the API). The manager merges them by term, journals them and forwards them to the dashboard.
//
// Every event carries the node's id, a sequence number that starts at 1 for each run of the node
// (a watcher seeing a lower one knows the node restarted), the run's start time (epoch ms, the
// same for all events of one run), and the time it happened (epoch ms on the node's clock).
import { z } from 'zod';
import { raftRoleSchema } from './api-types';

const count = z.number().int().min(0);
const nodeId = z.number().int().min(1);

const envelope = {
  node: nodeId,
  seq: z.number().int().min(1),
  runStartedAt: count,
  time: count,
};

/** Role, term, leader or vote changed (a new term, a campaign, a win, a step-down). */
const roleEvent = z.object({
  ...envelope,
  type: z.literal('role'),
  role: raftRoleSchema,
  term: count,
  leaderId: nodeId.nullable(),
  votedFor: nodeId.nullable(),
});

/** A (pre-)candidate asked `to` for its vote in `term`. */
const voteRequestedEvent = z.object({ ...envelope, type: z.literal('voteRequested'), term: count, to: nodeId, preVote: z.boolean() });

/** This node gave `to` its vote in `term`. */
const voteGrantedEvent = z.object({ ...envelope, type: z.literal('voteGranted'), term: count, to: nodeId, preVote: z.boolean() });

/**
 * Commit, apply and, on the leader, each peer's match index. Coalesced: at most one every
 * PROGRESS_INTERVAL_MS while anything moves, so a write burst costs a few events, not one each.
 */
const progressEvent = z.object({
  ...envelope,
  type: z.literal('progress'),
  term: count,
  commitIndex: count,
  appliedIndex: count,
  lastIndex: count,
  snapshotIndex: count,
  peers: z.array(z.object({ id: nodeId, match: count, state: z.enum(['probe', 'replicate', 'snapshot']) })),
});

/** A snapshot was taken here, arrived from the leader, or replaced this node's state. */
const snapshotEvent = z.object({
  ...envelope,
  type: z.literal('snapshot'),
  phase: z.enum(['taken', 'received', 'restored']),
  index: count,
  bytes: count,
});

/** Catch-up and chunk progress, sent when any of it changed. */
const catchUpEvent = z.object({
  ...envelope,
  type: z.literal('catchUp'),
  catchingUp: z.boolean(),
  entriesBehind: count,
  chunksMissing: count,
  chunksFetched: count,
  bytesFetched: count,
});

export const nodeEventSchema = z.discriminatedUnion('type', [roleEvent, voteRequestedEvent, voteGrantedEvent, progressEvent, snapshotEvent, catchUpEvent]);

export type NodeEvent = z.infer<typeof nodeEventSchema>;
export type NodeEventType = NodeEvent['type'];

/** What an event is before the emitter stamps it (node, seq, run, time). */
type Unstamped<E> = E extends NodeEvent ? Omit<E, keyof typeof envelope> : never;
export type NodeEventBody = Unstamped<NodeEvent>;

/** The fastest `progress` events follow each other. */
export const PROGRESS_INTERVAL_MS = 50;

/** The IPC message that carries an event from a local node to its manager. */
export interface NodeEventMessage {
  readonly type: 'nodeEvent';
  readonly event: NodeEvent;
}
