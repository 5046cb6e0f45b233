// Pending linearizable reads on the leader (ReadIndex, Raft thesis §6.4). A read records the commit
// index when it arrives; it becomes safe once a heartbeat round carrying its context is
// acknowledged by a quorum, proving that no newer leader could have committed anything after it.

import type { NodeId } from './types';

export interface ReadRequest {
  readonly index: number;
  /** The node that asked (the leader itself for local reads). */
  readonly from: NodeId;
  /** The asker's context, given back with the read's index. */
  readonly context: string;
  /** What the heartbeats that confirm this request carry, and their acknowledgements echo. */
  readonly key: string;
  readonly acks: Set<NodeId>;
}

/**
 * A request's heartbeats carry a key of its own, never the asker's context. A context can come
 * back: a follower re-asks with the same context after a leader change, and a network may
 * duplicate a message. When the heartbeats carried the context itself, a repeat that arrived
 * after the first request was confirmed was queued anew behind newer reads, and the late
 * acknowledgements of the first round — sent before those reads arrived — confirmed it, and with
 * it every read queued before it: a leader that had lost its term served reads at a stale index
 * (seed 570891051 of the simulator's failover profile: a leader paused 565 ticks came back, took
 * a repeated read and the old round's acknowledgements, and answered reads queued during the
 * pause with index 3 while a newer leader had committed 5). A key is used once: an
 * acknowledgement counts only for the round that was sent after its request was queued.
 */
export class ReadOnly {
  /** Pending requests by key, and the key of each asker's context while it is pending. */
  private pending = new Map<string, ReadRequest>();
  private keyOf = new Map<string, string>();
  private queue: string[] = [];
  private issued = 0;

  /** `term`: the leader's term, so keys of different terms differ too. */
  constructor(private readonly term: number) {}

  /** Queues a read; returns the key its heartbeat round carries (the pending one's for a repeat). */
  addRequest(index: number, from: NodeId, context: string): string {
    const pendingKey = this.keyOf.get(context);
    if (pendingKey !== undefined) return pendingKey;
    this.issued += 1;
    const key = `${this.term}.${this.issued}`;
    this.pending.set(key, { index, from, context, key, acks: new Set() });
    this.keyOf.set(context, key);
    this.queue.push(key);
    return key;
  }

  /** Records a heartbeat acknowledgement of `key`; returns who has acknowledged it so far. */
  recvAck(id: NodeId, key: string): ReadonlySet<NodeId> | undefined {
    const req = this.pending.get(key);
    if (req === undefined) return undefined;
    req.acks.add(id);
    return req.acks;
  }

  /**
   * The request of `key` is confirmed: it and every request queued before it are now safe (an
   * earlier request's index is no higher, and the same heartbeat round confirmed leadership for it).
   */
  advance(key: string): ReadRequest[] {
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    return done.map((k) => {
      const req = this.pending.get(k) as ReadRequest;
      this.pending.delete(k);
      this.keyOf.delete(req.context);
      return req;
    });
  }

  /** The key of the newest pending request: a heartbeat carrying it confirms every pending one. */
  lastPendingKey(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  get size(): number {
    return this.queue.length;
  }
}
