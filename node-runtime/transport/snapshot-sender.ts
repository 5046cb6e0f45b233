// Sends Raft snapshots to peers beside their streams, at most one at a time per peer: Raft asks
// again when a snapshot seems lost (its progress waits two election timeouts), and a second copy
// of the whole state racing the first would only slow both. A peer of this build takes it
// streamed, its contents after it (framing 2, snapshot-stream.ts). Older releases take it whole,
// every content inside (format 4): the previous release in one request (framing 1,
// snapshot-transfer.ts), an earlier one, without that path either (404), down its Raft stream,
// which carries it when it fits a frame.
import type { Message } from '../raft/types';
import { PeerRequestError } from './errors';
import { snapshotBodyParts } from './snapshot-transfer';
import type { TransportLog } from './types';

export interface SnapshotSenderContext {
  readonly log: TransportLog;
  /** Streams the snapshot in framing 2; resolves false, sending nothing, when the peer does not take it. */
  readonly pushStream: (peerId: number, m: Message, signal: AbortSignal) => Promise<boolean>;
  /** The snapshot with its contents inside, for a peer of an older release. */
  readonly withBytes: (m: Message) => Promise<Message>;
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
    this.deliver(m, sending.signal)
      // Done before the outcome is told: Raft may ask again at once, and the node asks underway() first.
      .finally(() => {
        if (this.inFlight.get(peerId) === sending) this.inFlight.delete(peerId);
      })
      .then(
        (how) => this.ctx.log.info({ peer: peerId, index, bytes, how, ms: Date.now() - started }, 'snapshot sent to peer'),
        (err: unknown) => {
          if (sending.signal.aborted) return;
          this.ctx.log.warn({ peer: peerId, index, bytes, err: String(err) }, 'sending a snapshot to peer failed; Raft will send one again');
          this.ctx.onFailed(peerId);
        },
      );
  }

  /** Sends `m` the best way the peer takes; resolves with the way, once the peer has it (or it is queued on the Raft stream). */
  private async deliver(m: Message, signal: AbortSignal): Promise<'streamed' | 'whole' | 'raft stream'> {
    if (await this.ctx.pushStream(m.to, m, signal)) return 'streamed';
    const whole = await this.ctx.withBytes(m);
    try {
      await this.ctx.push(m.to, snapshotBodyParts(whole), signal);
      return 'whole';
    } catch (err) {
      if (!(err instanceof PeerRequestError && err.status === 404) || signal.aborted) throw err;
    }
    this.ctx.log.info({ peer: m.to, index: m.snapshot?.metadata.index }, 'peer has no snapshot path (an older release): sending the snapshot down its stream');
    this.ctx.viaStream(whole);
    return 'raft stream';
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
