// The public surface of the peer transport.
export { PeerTransport, DEFAULT_LIMITS } from './peer-transport';
export type { PeerAddress } from './address';
export type { BackoffPolicy } from './backoff';
export { DEFAULT_BACKOFF } from './backoff';
export { encodeMessage, decodeMessages } from './codec';
export {
  PeerTransportError, PeerUnknownError, PeerBlockedError, PeerConnectionError, PeerTimeoutError, PeerRequestError,
  PeerLacksChunkError, ChunkIntegrityError, CodecError, RpcAnswerError, RpcRequestError,
} from './errors';
export { BodyTooLargeError, BodyTooShortError, copiedInto } from './http-body';
export { PEER_RPCS } from './protocol';
export type { PeerRpcAnswer, PeerRpcName, PeerRpcRequest } from './protocol';
export type { InboundHandlers, PeerRpcHandler, SnapshotContents, Transport } from './transport';
export type { ContentRecord } from './snapshot-stream';
export type {
  PeerStatus, PeerTransportOptions, QueueLimits, RequestOptions, RpcHandler, StoreChunk, OpenChunk, TransportLog,
} from './types';
