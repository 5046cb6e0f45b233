// Sends Raft snapshots to peers beside their streams (snapshot-transfer.ts), at most one at a
// time per peer: Raft asks again when a snapshot seems lost (its progress waits two election
// timeouts), and a second copy of the whole state racing the first would only slow both. A peer
// of an older release has no snapshot path (404): the snapshot goes down its stream as before,
// which carries it when it fits a frame.
import type { Message } from '../raft/types';
import { PeerRequestError } from './errors';
import { snapshotBodyParts } from './snapshot-transfer';
import type { TransportLog } from './types';

export interface SnapshotSenderContext {
  readonly log: TransportLog;
  /** Resolves once the peer handed the snapshot to its Raft node. */
  readonly push: (peerId: number, parts: readonly Buffer[], signal: AbortSignal) => Promise<void>;
  /** Queues the message on the peer's Raft stream (a peer of an older release). */
  readonly viaStream: (m: Message) => void;
  /** The snapshot did not arrive: Raft should send one again. */
  readonly onFailed: (peerId: number) => void;
  /** A snapshot was not sent because one to the same peer is still on its way. */
  readonly onDropped: (peerId: number) => void;
}

export class SnapshotSender {
  private readonly inFlight = new Map<number, AbortController>();

  constructor(private readonly ctx: SnapshotSenderContext) {}

  send(m: Message): void {
    const peerId = m.to;
    if (this.inFlight.has(peerId)) {
      this.ctx.onDropped(peerId);
      return;
    }
    const sending = new AbortController();
    this.inFlight.set(peerId, sending);
    const index = m.snapshot?.metadata.index;
    const bytes = m.snapshot?.data.byteLength;
    const started = Date.now();
    this.ctx
      .push(peerId, snapshotBodyParts(m), sending.signal)
      // Done before the outcome is told: Raft may ask again at once, and the node asks underway() first.
      .finally(() => {
        if (this.inFlight.get(peerId) === sending) this.inFlight.delete(peerId);
      })
      .then(
        () => this.ctx.log.info({ peer: peerId, index, bytes, ms: Date.now() - started }, 'snapshot sent to peer'),
        (err: unknown) => {
          if (sending.signal.aborted) return;
          if (err instanceof PeerRequestError && err.status === 404) {
            this.ctx.log.info({ peer: peerId, index, bytes }, 'peer has no snapshot path (an older release): sending the snapshot down its stream');
            this.ctx.viaStream(m);
            return;
          }
          this.ctx.log.warn({ peer: peerId, index, bytes, err: String(err) }, 'sending a snapshot to peer failed; Raft will send one again');
          this.ctx.onFailed(peerId);
        },
      );
  }

  underway(peerId: number): boolean {
    return this.inFlight.has(peerId);
  }

  /** Gives up the snapshot on its way to `peerId` (the peer was removed). */
  cancel(peerId: number): void {
    this.inFlight.get(peerId)?.abort();
    this.inFlight.delete(peerId);
  }

  close(): void {
    for (const peerId of [...this.inFlight.keys()]) this.cancel(peerId);
  }
}
