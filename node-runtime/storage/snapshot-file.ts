// The snapshot file format and its verifying reader.
//
//   8 bytes  magic "DFSSNAP1"
//   u32 LE   metadata length, then metadata as JSON { index, term, confState }
//   data     the state machine's bytes, any length
//   u64 LE   data length
//   32 bytes SHA-256 of everything before it
//
// The checksum sits at the end so a snapshot can be written as a stream of unknown length.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import type { SnapshotMetadata } from '../raft/types';
import { asConfState } from './conf-state';
import { SnapshotCorruptionError } from './errors';

const MAGIC = Buffer.from('DFSSNAP1', 'ascii');
const PREAMBLE_BYTES = MAGIC.length + 4;
const TRAILER_BYTES = 8 + 32;
const MAX_METADATA_BYTES = 1024 * 1024;
const READ_BYTES = 1024 * 1024;

export function encodePreamble(metadata: SnapshotMetadata): Buffer {
  const meta = Buffer.from(JSON.stringify({ index: metadata.index, term: metadata.term, confState: metadata.confState }), 'utf8');
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32LE(meta.length, 0);
  return Buffer.concat([MAGIC, length, meta]);
}

/** The trailer for `dataBytes` of data, closing `hash` (which has seen preamble and data). */
export function encodeTrailer(hash: Hash, dataBytes: number): Buffer {
  const length = Buffer.allocUnsafe(8);
  length.writeBigUInt64LE(BigInt(dataBytes), 0);
  hash.update(length);
  return Buffer.concat([length, hash.digest()]);
}

export interface SnapshotFileInfo {
  readonly file: string;
  readonly metadata: SnapshotMetadata;
  readonly dataBytes: number;
}

/** Reads and checks the metadata of a snapshot file (not the checksum: see `readSnapshotData`). */
export async function readSnapshotInfo(file: string): Promise<SnapshotFileInfo & { readonly dataStart: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const corrupt = (reason: string): never => {
      throw new SnapshotCorruptionError(file, reason);
    };
    if (size < PREAMBLE_BYTES + TRAILER_BYTES) corrupt(`only ${size} bytes`);
    const preamble = await readExactly(handle, 0, PREAMBLE_BYTES);
    if (!preamble.subarray(0, MAGIC.length).equals(MAGIC)) corrupt('not a snapshot file (bad magic)');
    const metaBytes = preamble.readUInt32LE(MAGIC.length);
    if (metaBytes > MAX_METADATA_BYTES || PREAMBLE_BYTES + metaBytes + TRAILER_BYTES > size) corrupt(`implausible metadata length ${metaBytes}`);
    const metadata = parseMetadata(await readExactly(handle, PREAMBLE_BYTES, metaBytes)) ?? corrupt('malformed metadata');
    const dataStart = PREAMBLE_BYTES + metaBytes;
    return { file, metadata, dataBytes: size - dataStart - TRAILER_BYTES, dataStart };
  } finally {
    await handle.close();
  }
}

/**
 * Yields the data of a snapshot file piece by piece (constant memory), then checks length and
 * checksum: a consumer sees SnapshotCorruptionError instead of a clean end if the file is bad.
 */
export async function* readSnapshotData(file: string): AsyncGenerator<Buffer> {
  const info = await readSnapshotInfo(file);
  const handle = await fs.open(file, 'r');
  try {
    const hash = createHash('sha256');
    hash.update(await readExactly(handle, 0, info.dataStart));
    const end = info.dataStart + info.dataBytes;
    for (let pos = info.dataStart; pos < end; ) {
      const piece = await readExactly(handle, pos, Math.min(READ_BYTES, end - pos));
      hash.update(piece);
      pos += piece.length;
      yield piece;
    }
    const trailer = await readExactly(handle, end, TRAILER_BYTES);
    const recorded = trailer.readBigUInt64LE(0);
    if (recorded !== BigInt(info.dataBytes)) throw new SnapshotCorruptionError(file, `data is ${info.dataBytes} bytes, trailer says ${recorded}`);
    hash.update(trailer.subarray(0, 8));
    if (!hash.digest().equals(trailer.subarray(8))) throw new SnapshotCorruptionError(file, 'checksum mismatch');
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at offset ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

function parseMetadata(bytes: Buffer): SnapshotMetadata | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const v = value as { index?: unknown; term?: unknown; confState?: unknown } | null;
  if (v === null || typeof v !== 'object') return undefined;
  const confState = asConfState(v.confState);
  if (!Number.isSafeInteger(v.index) || !Number.isSafeInteger(v.term) || confState === undefined) return undefined;
  return { index: v.index as number, term: v.term as number, confState };
}
