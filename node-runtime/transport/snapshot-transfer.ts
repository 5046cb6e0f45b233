// A snapshot travels beside the Raft stream, not in it: one HTTP request to the peer's
// SNAPSHOT_PATH per snapshot. A snapshot is the whole state (with small files inline it carries
// every small file's bytes), so it may be far larger than a stream frame may be (maxFrameBytes),
// and in the stream it would also hold back every heartbeat and append queued behind it for as
// long as it takes to send. etcd sends snapshots on a connection of their own for the same reasons.
//
// Body: u32 BE length of the header, the header (the message encoded by codec.ts with empty
// snapshot data), then the snapshot's data as it is: the data is never copied into an encoding.
import type { Message } from '../raft/types';
import { decodeMessages, encodeMessage } from './codec';
import { CodecError } from './errors';

const HEADER_LENGTH_BYTES = 4;
/** A header is the message without its data: a few varints and the membership's ids. */
export const MAX_SNAPSHOT_HEADER_BYTES = 1024 * 1024;
const NO_DATA = new Uint8Array(0);

/** The request body's pieces, in order; their lengths add up to the Content-Length. */
export function snapshotBodyParts(m: Message): Buffer[] {
  const snapshot = m.snapshot;
  if (m.type !== 'snap' || snapshot === undefined) throw new TypeError(`only snapshot messages travel as snapshot transfers (got ${m.type})`);
  const header = encodeMessage({ ...m, snapshot: { metadata: snapshot.metadata, data: NO_DATA } });
  const length = Buffer.alloc(HEADER_LENGTH_BYTES);
  length.writeUInt32BE(header.length);
  const data = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength);
  return [length, header, data];
}

/** The message a received body holds, its data a view of `body`; CodecError when malformed. */
export function decodeSnapshotBody(body: Buffer): Message {
  if (body.length < HEADER_LENGTH_BYTES) throw new CodecError('snapshot transfer shorter than its header length');
  const headerLength = body.readUInt32BE(0);
  if (headerLength > MAX_SNAPSHOT_HEADER_BYTES || HEADER_LENGTH_BYTES + headerLength > body.length) {
    throw new CodecError(`snapshot transfer header of ${headerLength} bytes does not fit its body of ${body.length}`);
  }
  return snapshotMessage(body.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerLength), body.subarray(HEADER_LENGTH_BYTES + headerLength));
}

/** The message a header (the message encoded without its data) and its data make; CodecError when malformed. */
export function snapshotMessage(header: Buffer, data: Buffer): Message {
  const messages = decodeMessages(header);
  const [m] = messages;
  if (messages.length !== 1 || m === undefined || m.type !== 'snap' || m.snapshot === undefined || m.snapshot.data.length !== 0) {
    throw new CodecError('a snapshot transfer holds exactly one snapshot message, its data after the header');
  }
  return { ...m, snapshot: { metadata: m.snapshot.metadata, data } };
}
