// The Raft streams peers opened to this node: one socket per peer, read as frames of messages
// and handed to the node in order. A newer stream from the same peer replaces the older one (the
// peer reconnected before this side noticed the old link die). A malformed frame closes the
// stream; the peer reconnects and Raft resends whatever was lost.
import type { Socket } from 'node:net';
import type { Message } from '../raft/types';
import { decodeMessages } from './codec';
import { FrameDecoder } from './framing';
import type { TransportLog } from './types';

export interface InboundContext {
  readonly selfId: number;
  readonly maxFrameBytes: number;
  readonly log: TransportLog;
  readonly isBlocked: (peerId: number) => boolean;
  readonly onMessage: (m: Message) => void;
  /** The current stream from a peer closed by itself (not replaced, not closed by this side). */
  readonly onClosed: (peerId: number) => void;
  /** A peer opened a stream to this node (it is up). */
  readonly onAccepted: (peerId: number) => void;
}

export interface InboundStatus {
  readonly connected: boolean;
  readonly messagesReceived: number;
  readonly bytesReceived: number;
  readonly framesReceived: number;
  /** Received but not delivered: blocked peer, or addressed/attributed wrongly. */
  readonly messagesDiscarded: number;
}

interface Counters {
  messagesReceived: number;
  bytesReceived: number;
  framesReceived: number;
  messagesDiscarded: number;
}

export class InboundStreams {
  private readonly sockets = new Map<number, Socket>();
  private readonly counters = new Map<number, Counters>();

  constructor(private readonly ctx: InboundContext) {}

  accept(peerId: number, socket: Socket, head: Buffer): void {
    this.sockets.get(peerId)?.destroy();
    this.sockets.set(peerId, socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const decoder = new FrameDecoder(this.ctx.maxFrameBytes);
    const counters = this.countersOf(peerId);
    const onData = (chunk: Buffer): void => {
      counters.bytesReceived += chunk.length;
      try {
        for (const payload of decoder.push(chunk)) {
          counters.framesReceived++;
          this.deliver(peerId, decodeMessages(payload), counters);
        }
      } catch (err) {
        this.ctx.log.warn({ peer: peerId, address: socket.remoteAddress, err: String(err) }, 'malformed raft stream from peer; closing it');
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('error', (err) => this.ctx.log.debug({ peer: peerId, err: err.message }, 'raft stream from peer failed'));
    // The socket comes from the HTTP server's upgrade, which allows half-open sockets: the peer's
    // FIN (its process exited or was killed) would leave ours open and unnoticed. It sends no more
    // on this stream, so close our side too and let 'close' tell the node.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      if (this.sockets.get(peerId) !== socket) return;
      this.sockets.delete(peerId);
      this.ctx.onClosed(peerId);
    });
    if (head.length > 0) onData(head);
    this.ctx.onAccepted(peerId);
  }

  /** A snapshot that came beside the stream (snapshot-transfer.ts), held to the stream's checks. */
  deliverSnapshot(peerId: number, m: Message, bytes: number): void {
    const counters = this.countersOf(peerId);
    counters.bytesReceived += bytes;
    this.deliver(peerId, [m], counters);
  }

  status(peerId: number): InboundStatus {
    return { connected: this.sockets.has(peerId), ...this.countersOf(peerId) };
  }

  /** Every peer that has ever opened a stream here. */
  peerIds(): number[] {
    return [...this.counters.keys()];
  }

  disconnect(peerId: number): void {
    this.sockets.get(peerId)?.destroy();
    this.sockets.delete(peerId);
  }

  closeAll(): void {
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
  }

  private deliver(peerId: number, messages: readonly Message[], counters: Counters): void {
    const blocked = this.ctx.isBlocked(peerId);
    for (const m of messages) {
      counters.messagesReceived++;
      // A message must come from the peer that authenticated the stream and be meant for us.
      if (blocked || m.from !== peerId || m.to !== this.ctx.selfId) {
        counters.messagesDiscarded++;
        continue;
      }
      try {
        this.ctx.onMessage(m);
      } catch (err) {
        this.ctx.log.warn({ peer: peerId, type: m.type, err: String(err) }, 'the node failed to take a raft message');
      }
    }
  }

  private countersOf(peerId: number): Counters {
    let counters = this.counters.get(peerId);
    if (!counters) {
      counters = { messagesReceived: 0, bytesReceived: 0, framesReceived: 0, messagesDiscarded: 0 };
      this.counters.set(peerId, counters);
    }
    return counters;
  }
}
