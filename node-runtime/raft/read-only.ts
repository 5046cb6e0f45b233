// Pending linearizable reads on the leader (ReadIndex, Raft thesis §6.4). A read records the commit
// index when it arrives; it becomes safe once a heartbeat round carrying its context is
// acknowledged by a quorum, proving that no newer leader could have committed anything after it.

import type { NodeId } from './types';

export interface ReadRequest {
  readonly index: number;
  /** The node that asked (the leader itself for local reads). */
  readonly from: NodeId;
  readonly context: string;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  addRequest(index: number, from: NodeId, context: string): void {
    if (this.pending.has(context)) return;
    this.pending.set(context, { index, from, context, acks: new Set() });
    this.queue.push(context);
  }

  /** Records a heartbeat acknowledgement; returns who has acknowledged `context` so far. */
  recvAck(id: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const req = this.pending.get(context);
    if (req === undefined) return undefined;
    req.acks.add(id);
    return req.acks;
  }

  /**
   * `context` is confirmed: it and every request queued before it are now safe (an earlier
   * request's index is no higher, and the same heartbeat round confirmed leadership for it).
   */
  advance(context: string): ReadRequest[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    return done.map((ctx) => {
      const req = this.pending.get(ctx) as ReadRequest;
      this.pending.delete(ctx);
      return req;
    });
  }

  lastPendingContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  get size(): number {
    return this.queue.length;
  }
}
