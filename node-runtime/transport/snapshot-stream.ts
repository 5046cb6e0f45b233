// Snapshot framing 2 (issue #11): a snapshot as its sender stored it, then the small files'
// contents it names, streamed. Framing 1 (snapshot-transfer.ts) carries one message whose data
// holds every content in base64 (format 4): the sender built it whole (hundreds of MiB at 100,000
// small files, and long enough on the event loop to cost a leader its term) and the receiver read
// it whole. Here the snapshot's data stays what the sender's store holds (format 5 names contents,
// about 20 MiB at 100,000 files), each content follows as a record of its own, read from the
// sender's pack as the connection takes it, and the receiver puts each into its own pack as it
// arrives, checked against its SHA-256. Neither end holds more than the data and a few pieces.
//
// Body, after the 8-byte magic "DFSSNAP2": u32 BE header length and the header (the message
// encoded by codec.ts without its data, as in framing 1); u64 BE data length and the data; then
// records: u8 1, the content's SHA-256 (32 bytes), u32 BE length, the content; then the end:
// u8 0, u32 BE number of records, SHA-256 of the data (32 bytes). A body cut anywhere, or with a
// content that is not its SHA-256, is refused whole: the receiver hands Raft nothing.
import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Message } from '../raft/types';
import { ByteReader } from './byte-reader';
import { CodecError } from './errors';
import { MAX_SNAPSHOT_HEADER_BYTES, snapshotBodyParts, snapshotMessage } from './snapshot-transfer';

export const SNAPSHOT_STREAM_MAGIC = Buffer.from('DFSSNAP2');
const RECORD = 1;
const END = 0;
const SHA256_BYTES = 32;
const RECORD_HEADER_BYTES = 1 + SHA256_BYTES + 4;
const END_BYTES = 1 + 4 + SHA256_BYTES;
/** Body pieces of about this size: a few of them are all a sender holds beside the data. */
const PIECE_BYTES = 256 * 1024;

export interface ContentRecord {
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

/**
 * The body of `m` (a snapshot message) with `contents` after its data, made as it is read: the
 * caller's stream pulls the next piece only when the connection took the last ones.
 */
export async function* snapshotStreamBody(m: Message, contents: AsyncIterable<ContentRecord>): AsyncGenerator<Buffer, void, undefined> {
  const [length, header, data] = snapshotBodyParts(m) as [Buffer, Buffer, Buffer];
  const dataLength = Buffer.alloc(8);
  dataLength.writeBigUInt64BE(BigInt(data.length));
  yield Buffer.concat([SNAPSHOT_STREAM_MAGIC, length, header, dataLength]);
  const dataHash = createHash('sha256');
  for (let at = 0; at < data.length; at += PIECE_BYTES) {
    const piece = data.subarray(at, at + PIECE_BYTES);
    dataHash.update(piece);
    yield piece;
  }
  let records = 0;
  let parts: Buffer[] = [];
  let size = 0;
  for await (const { sha256, bytes } of contents) {
    const head = Buffer.alloc(RECORD_HEADER_BYTES);
    head[0] = RECORD;
    head.write(sha256, 1, SHA256_BYTES, 'hex');
    head.writeUInt32BE(bytes.length, 1 + SHA256_BYTES);
    parts.push(head, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    size += head.length + bytes.length;
    records += 1;
    if (size >= PIECE_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
      // Reading contents is synchronous work: let the node's timers and I/O run between pieces.
      await setImmediate();
    }
  }
  const end = Buffer.alloc(END_BYTES);
  end[0] = END;
  end.writeUInt32BE(records, 1);
  dataHash.digest().copy(end, 5);
  yield Buffer.concat([...parts, end]);
}

export interface StreamLimits {
  /** Largest data (the snapshot without its contents) accepted. */
  readonly maxDataBytes: number;
  /** Largest single content accepted. */
  readonly maxContentBytes: number;
}

/**
 * Reads a framing-2 body: each content goes to `onContent` as it arrives (checked against its
 * SHA-256), and the message is returned once the end checked out. CodecError when malformed.
 */
export async function readSnapshotStream(
  body: AsyncIterable<Buffer>,
  limits: StreamLimits,
  onContent: (sha256: string, bytes: Buffer) => void,
): Promise<{ message: Message; bytes: number; contents: number }> {
  const reader = new ByteReader(body);
  if (!(await reader.read(SNAPSHOT_STREAM_MAGIC.length)).equals(SNAPSHOT_STREAM_MAGIC)) throw new CodecError('not a snapshot stream (framing 2)');
  const headerLength = (await reader.read(4)).readUInt32BE(0);
  const header = await reader.read(headerLength, MAX_SNAPSHOT_HEADER_BYTES);
  const dataLength = Number((await reader.read(8)).readBigUInt64BE(0));
  if (dataLength > limits.maxDataBytes) throw new CodecError(`snapshot data of ${dataLength} bytes exceeds ${limits.maxDataBytes}`);
  const data = await reader.read(dataLength, limits.maxDataBytes);
  const message = snapshotMessage(header, data);
  let contents = 0;
  for (;;) {
    const type = (await reader.read(1))[0];
    if (type === END) break;
    if (type !== RECORD) throw new CodecError(`unknown record type ${type} in a snapshot stream`);
    const head = await reader.read(SHA256_BYTES + 4);
    const sha256 = head.toString('hex', 0, SHA256_BYTES);
    const length = head.readUInt32BE(SHA256_BYTES);
    if (length > limits.maxContentBytes) throw new CodecError(`content ${sha256} of ${length} bytes exceeds ${limits.maxContentBytes}`);
    const bytes = await reader.read(length);
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new CodecError(`content ${sha256} does not match its SHA-256`);
    onContent(sha256, bytes);
    contents += 1;
  }
  const end = await reader.read(END_BYTES - 1);
  if (end.readUInt32BE(0) !== contents) throw new CodecError(`snapshot stream ends claiming ${end.readUInt32BE(0)} contents after ${contents}`);
  if (!end.subarray(4).equals(createHash('sha256').update(data).digest())) throw new CodecError('snapshot data does not match its SHA-256');
  await reader.expectEnd();
  return { message, bytes: reader.total, contents };
}
