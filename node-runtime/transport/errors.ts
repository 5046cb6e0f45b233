// Typed errors of the peer transport. Callers branch on the class (try another peer after a
// PeerLacksChunkError, report a partition after a PeerBlockedError); every message names the peer
// and its address so a log line alone says which link failed.

/** Base class: every failure of a peer operation carries the peer it concerns. */
export class PeerTransportError extends Error {
  readonly peerId: number;

  constructor(peerId: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PeerTransportError';
    this.peerId = peerId;
  }
}

/** The peer id has no known address (never added, or removed). */
export class PeerUnknownError extends PeerTransportError {
  constructor(peerId: number) {
    super(peerId, `peer ${peerId} is not a known member of this transport`);
    this.name = 'PeerUnknownError';
  }
}

/** Fault injection: the link to this peer is cut (on this side, or the peer refused us). */
export class PeerBlockedError extends PeerTransportError {
  constructor(peerId: number, side: 'local' | 'remote') {
    super(peerId, side === 'local' ? `peer ${peerId} is blocked by fault injection` : `peer ${peerId} blocks this node by fault injection`);
    this.name = 'PeerBlockedError';
  }
}

/** The connection failed before an answer arrived (refused, reset, DNS). */
export class PeerConnectionError extends PeerTransportError {
  constructor(peerId: number, address: string, cause: unknown) {
    super(peerId, `peer ${peerId} at ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PeerConnectionError';
  }
}

/** No byte moved for `timeoutMs` (connect, answer or body). */
export class PeerTimeoutError extends PeerTransportError {
  constructor(peerId: number, address: string, timeoutMs: number) {
    super(peerId, `peer ${peerId} at ${address}: no progress for ${timeoutMs} ms`);
    this.name = 'PeerTimeoutError';
  }
}

/** The peer answered with an error status; `code` and `detail` come from its JSON error body. */
export class PeerRequestError extends PeerTransportError {
  readonly status: number;
  readonly code: string;
  readonly detail: string;

  constructor(peerId: number, address: string, status: number, code: string, detail: string) {
    super(peerId, `peer ${peerId} at ${address} answered ${status} ${code}: ${detail}`);
    this.name = 'PeerRequestError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** The peer does not hold the requested chunk (404). */
export class PeerLacksChunkError extends PeerRequestError {
  constructor(peerId: number, address: string, hash: string) {
    super(peerId, address, 404, 'not_found', `chunk ${hash} is not stored there`);
    this.name = 'PeerLacksChunkError';
  }
}

/**
 * Thrown by a node's `storeChunk` handler when the received bytes do not hash to the name they
 * were sent under (or do not have the announced size); the transport answers 422 and the sender
 * gets a PeerRequestError with code 'chunk_mismatch'.
 */
export class ChunkIntegrityError extends Error {
  constructor(hash: string, detail: string) {
    super(`chunk ${hash}: ${detail}`);
    this.name = 'ChunkIntegrityError';
  }
}

/** A frame or message on a Raft stream could not be decoded; the stream is closed. */
export class CodecError extends Error {
  constructor(detail: string) {
    super(`raft stream codec: ${detail}`);
    this.name = 'CodecError';
  }
}

/** A peer's RPC answer does not match the RPC's answer schema (transport/protocol.ts). */
export class RpcAnswerError extends PeerTransportError {
  constructor(peerId: number, name: string, detail: string) {
    super(peerId, `peer ${peerId} answered RPC "${name}" with an answer of the wrong shape: ${detail}`);
    this.name = 'RpcAnswerError';
  }
}

/** A peer's RPC request does not match the RPC's request schema; the transport answers 400. */
export class RpcRequestError extends Error {
  constructor(name: string, detail: string) {
    super(`RPC "${name}": ${detail}`);
    this.name = 'RpcRequestError';
  }
}
