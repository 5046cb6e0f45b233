// The serialized form of the state machine, stored in Raft snapshots.
//
// Serialization is canonical: files and locks in name order, settings in schema order, so two
// replicas in the same state produce byte-identical snapshots (which tests rely on to prove
// determinism). Only facts are stored; indexes (sorted names, chunk reference counts, totals)
// are rebuilt on restore.

import { z } from 'zod';
import { ERROR_CODES } from '../common/errors';
import { CLUSTER_SETTING_KEYS, clusterSettingsSchema, SETTING_SOURCES, type ClusterSettings, type ClusterSettingKey, type SettingSource } from '../common/config';
import type { ObjectMeta } from '../common/api-types';
import { checkFileRecord, checkInlineContent, FileRecordError } from './file-record-check';
import { isInline, type InlineContent } from './inline-contents';
import type { FileRecord, LockRecord, Rejection } from './outcomes';
import { isRefusal, type RecordedRefusal, type RecordedRequest } from './request-table';
import { decodeTagged, TaggedDecodeError } from './tagged-json';

// Format 2 added each file's `revision`; format 1 snapshots are still read (see fileSchema).
// Format 3 added the request ids of recent writes (`requests`); formats 1 and 2 restore with none.
// Format 4 added small files' inline `contents` (issue #11); formats 1 to 3 have none.
// Format 5 names each content by SHA-256 and size instead of carrying its bytes: the snapshots a
// node keeps for itself, its contents in its durable pack (storage/content-pack.ts). Sent to a
// follower of this build it stays format 5, its contents streamed after it (snapshot-contents.ts
// lists them); to one of an older release, and in a backup, it is format 4 (withContentBytes).
// Formats 6 (contents named, as 5) and 7 (with their bytes, as 4) add refused writes among the
// `requests` (request-table.ts; command format 4 records them). A state that holds none is still
// written as 4 or 5, which releases before them read: refusals exist only once every member
// applied command format 4, and are forgotten five minutes of log time later.
const WITH_BYTES_FORMAT = 4;
const NAMING_FORMAT = 5;
const NAMING_REFUSALS_FORMAT = 6;
const WITH_BYTES_REFUSALS_FORMAT = 7;
const READABLE_FORMATS = [1, 2, 3, 4, 5, 6, 7];

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);


const lockSchema = z.strictObject({
  name: z.string().min(1),
  owner: z.string(),
  token: z.string(),
  acquiredAt: count,
  expiresAt: count,
});

/** What every recorded request has: its id, the entry that decided it, when, and what it was. */
const recordedFields = {
  id: z.string().min(1),
  index: count,
  at: count,
  type: z.enum(['put', 'delete']),
};

const requestSchema = z.strictObject({
  ...recordedFields,
  /** Checked by checkFileRecord, as `files` are. */
  file: z.unknown(),
});

/** A refusal's fields are its code's (outcomes.ts Rejection): strings and numbers. */
const rejectionSchema = z.record(z.string(), z.union([z.string(), z.number()])).refine((r) => (ERROR_CODES as readonly unknown[]).includes(r.code), { message: 'not a rejection code' });

const refusalSchema = z.strictObject({
  ...recordedFields,
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  proposedAt: count,
  rejection: rejectionSchema,
});

/**
 * An array whose elements are checked by hand afterwards. Not z.array(z.unknown()): that walks
 * and copies every element, 100,000 files and as many contents at a restart (issue #11).
 */
const handCheckedArray = z.custom<unknown[]>((value) => Array.isArray(value), { message: 'expected an array' });

const snapshotSchema = z.strictObject({
  appliedIndex: count,
  logTime: count,
  /** Each checked by checkFileRecord (file-record-check.ts): zod per record made restarts slow. */
  files: handCheckedArray,
  /** Small files' contents by SHA-256, sorted: their bytes (format 4) or their sizes (format 5); absent before format 4. Each checked by checkInlineContent. */
  contents: handCheckedArray.optional(),
  locks: z.array(lockSchema),
  /** Cluster settings set through configSet, with where each came from; the rest are defaults. */
  config: z.array(
    z.strictObject({
      key: z.enum(CLUSTER_SETTING_KEYS as [ClusterSettingKey, ...ClusterSettingKey[]]),
      value: z.union([z.number(), z.boolean()]),
      source: z.enum(SETTING_SOURCES),
    }),
  ),
  /** Absent before format 3; refusals only from format 6 on. */
  requests: z.array(z.union([requestSchema, refusalSchema])).optional(),
});

export interface ConfigOverride {
  readonly key: ClusterSettingKey;
  readonly value: ClusterSettings[ClusterSettingKey];
  readonly source: SettingSource;
}

export interface SnapshotState {
  readonly appliedIndex: number;
  readonly logTime: number;
  /** Sorted by name, names unique. */
  readonly files: readonly FileRecord[];
  /** Sorted by SHA-256: the content of every inline file (isInline), and only those; with bytes unless named only. */
  readonly contents: readonly InlineContent[];
  /** Sorted by name. */
  readonly locks: readonly LockRecord[];
  /** In CLUSTER_SETTING_KEYS order. */
  readonly config: readonly ConfigOverride[];
  /** In the order they applied. */
  readonly requests: readonly RecordedRequest[];
}

/** Bytes that are not a snapshot this build can restore. */
export class SnapshotFormatError extends Error {
  constructor(detail: string) {
    super(`cannot restore snapshot: ${detail}`);
    this.name = 'SnapshotFormatError';
  }
}

/** Records per piece of encodeSnapshotPieces: pieces of tens to hundreds of KiB. */
const FILES_PER_PIECE = 1000;
const CONTENTS_PER_PIECE = 64;

/**
 * The snapshot's bytes in pieces, to be written out one after another: the same bytes as one
 * JSON text (the format byte, then the state's canonical JSON) without ever holding that text.
 * For 100,000 files it is about 75 MiB, held two or three times over (string, UTF-8, copy) while
 * it was built whole, and a node's memory kept the high-water mark. Format 4, with contents'
 * bytes; format 5 when `state`'s contents have none (a snapshot for the node's own store).
 */
export function* encodeSnapshotPieces(state: SnapshotState): Generator<Uint8Array, void, undefined> {
  const naming = state.contents.length > 0 && state.contents[0]?.read === undefined;
  const refusals = state.requests.some(isRefusal);
  yield Uint8Array.of(refusals ? (naming ? NAMING_REFUSALS_FORMAT : WITH_BYTES_REFUSALS_FORMAT) : naming ? NAMING_FORMAT : WITH_BYTES_FORMAT);
  // Rebuilt field by field so that key order, and so the bytes, never depend on how a record
  // object happened to be constructed.
  yield utf8(`{"appliedIndex":${JSON.stringify(state.appliedIndex)},"logTime":${JSON.stringify(state.logTime)},"files":[`);
  yield* jsonItems(state.files, FILES_PER_PIECE, canonicalFile);
  yield utf8('],"contents":[');
  yield* jsonItems(state.contents, naming ? FILES_PER_PIECE : CONTENTS_PER_PIECE, (c) => {
    if (naming) return { sha256: c.sha256, size: c.size };
    if (c.read === undefined) throw new Error(`inline content ${c.sha256} was captured without its bytes`);
    const bytes = c.read();
    return { sha256: c.sha256, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  });
  const locks = state.locks.map((l) => ({ name: l.name, owner: l.owner, token: l.token, acquiredAt: l.acquiredAt, expiresAt: l.expiresAt }));
  const config = state.config.map((c) => ({ key: c.key, value: c.value, source: c.source }));
  yield utf8(`],"locks":${JSON.stringify(locks)},"config":${JSON.stringify(config)},"requests":[`);
  yield* jsonItems(state.requests, FILES_PER_PIECE, (r) => (isRefusal(r) ? canonicalRefusal(r) : { id: r.id, index: r.index, at: r.at, type: r.type, file: canonicalFile(r.file) }));
  yield utf8(']}');
}

/** encodeSnapshotPieces joined: the whole snapshot in one buffer (tests, backups, small states). */
export function encodeSnapshot(state: SnapshotState): Uint8Array {
  return new Uint8Array(Buffer.concat([...encodeSnapshotPieces(state)]));
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** The JSON array elements of `items` (comma-separated, no brackets), `perPiece` to a piece. */
function* jsonItems<T>(items: readonly T[], perPiece: number, toJson: (item: T) => unknown): Generator<Uint8Array, void, undefined> {
  for (let i = 0; i < items.length; i += perPiece) {
    const text = items
      .slice(i, i + perPiece)
      .map((item) => JSON.stringify(toJson(item)))
      .join(',');
    yield utf8(i === 0 ? text : `,${text}`);
  }
}

function canonicalFile(f: FileRecord): FileRecord {
  return {
    name: f.name,
    size: f.size,
    sha256: f.sha256,
    chunks: f.chunks.map((c) => ({ hash: c.hash, size: c.size })),
    ...(f.md5 !== undefined && { md5: f.md5 }),
    ...(f.meta !== undefined && { meta: canonicalMeta(f.meta) }),
    version: f.version,
    revision: f.revision,
    createdAt: f.createdAt,
    modifiedAt: f.modifiedAt,
  };
}

function canonicalRefusal(r: RecordedRefusal): RecordedRefusal {
  return {
    id: r.id,
    index: r.index,
    at: r.at,
    type: r.type,
    name: r.name,
    ...(r.sha256 !== undefined && { sha256: r.sha256 }),
    proposedAt: r.proposedAt,
    // Keys sorted: a rejection's fields are set by whichever check refused the write.
    rejection: Object.fromEntries(Object.entries(r.rejection).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as unknown as Rejection,
  };
}

/** The same attributes always encode to the same bytes: fields in schema order, user keys sorted. */
function canonicalMeta(meta: ObjectMeta): ObjectMeta {
  const { contentType, contentDisposition, cacheControl, contentEncoding, user } = meta;
  return {
    ...(contentType !== undefined && { contentType }),
    ...(contentDisposition !== undefined && { contentDisposition }),
    ...(cacheControl !== undefined && { cacheControl }),
    ...(contentEncoding !== undefined && { contentEncoding }),
    ...(user !== undefined && { user: Object.fromEntries(Object.entries(user).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }),
  };
}

function assertSortedUnique(names: readonly string[], what: string): void {
  for (let i = 1; i < names.length; i += 1) {
    if (!((names[i - 1] as string) < (names[i] as string))) throw new SnapshotFormatError(`${what} are not sorted and unique`);
  }
}

/**
 * Decodes base64 as encodeSnapshot writes it. Contents are most of a snapshot's bytes, so this
 * decodes once and checks the result instead of matching the text first (z.base64() also decoded
 * each string to check it; a regex took longer than the decoding): Buffer skips what is not
 * base64, so text with anything else in it decodes to fewer bytes than its length promises.
 */
function fromBase64(text: string, path: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (text.length % 4 !== 0 || bytes.length !== (text.length / 4) * 3 - padding) throw new SnapshotFormatError(`${path}: not base64`);
  return bytes;
}

/**
 * A snapshot as it leaves the node: format 5 or 6 (contents named) becomes format 4 or 7, each
 * content's bytes read by `read` (which throws for one it cannot give, checked against its
 * SHA-256); any other format is returned as it is.
 */
export function withContentBytes(bytes: Uint8Array, read: (sha256: string) => Uint8Array): Uint8Array {
  return Buffer.concat([...withContentBytesPieces(bytes, read)]);
}

/**
 * withContentBytes in pieces (a thousand records, or a few hundred contents, each), so a caller
 * can let its event loop run between them: at 100,000 small files the whole conversion reads and
 * encodes about 300 MB, longer than an election timeout.
 */
export function* withContentBytesPieces(bytes: Uint8Array, read: (sha256: string) => Uint8Array): Generator<Uint8Array, void, undefined> {
  if (!namesContents(bytes)) {
    yield bytes;
    return;
  }
  const state = decodeSnapshot(bytes);
  yield* encodeSnapshotPieces({ ...state, contents: state.contents.map((c) => ({ ...c, read: () => read(c.sha256) })) });
}

/** Whether a snapshot names contents (format 5 or 6) rather than carrying them. */
export function namesContents(bytes: Uint8Array): boolean {
  return bytes[0] === NAMING_FORMAT || bytes[0] === NAMING_REFUSALS_FORMAT;
}

/** Inverse of encodeSnapshot; throws SnapshotFormatError on corrupt or foreign bytes. */
export function decodeSnapshot(bytes: Uint8Array): SnapshotState {
  let raw: unknown;
  try {
    raw = decodeTagged(READABLE_FORMATS, bytes);
  } catch (err) {
    if (err instanceof TaggedDecodeError) throw new SnapshotFormatError(err.message);
    throw err;
  }
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotFormatError(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  // Format 1 had no revision: its `version` was the Raft index that wrote the file.
  const file = (value: unknown, path: string): FileRecord => {
    try {
      const f = checkFileRecord(value, path);
      return f.revision === undefined ? { ...f, revision: f.version } : (f as FileRecord);
    } catch (err) {
      if (err instanceof FileRecordError) throw new SnapshotFormatError(err.message);
      throw err;
    }
  };
  const naming = namesContents(bytes);
  const refusalsAllowed = bytes[0] === NAMING_REFUSALS_FORMAT || bytes[0] === WITH_BYTES_REFUSALS_FORMAT;
  const sizes = new Map<string, number>();
  const contents = (parsed.data.contents ?? []).map((value, i): InlineContent => {
    let c: ReturnType<typeof checkInlineContent>;
    try {
      c = checkInlineContent(value, `contents.${i}`, naming);
    } catch (err) {
      if (err instanceof FileRecordError) throw new SnapshotFormatError(err.message);
      throw err;
    }
    if ('size' in c) {
      sizes.set(c.sha256, c.size);
      return c;
    }
    const data = fromBase64(c.data, `contents.${i}.data`);
    sizes.set(c.sha256, data.length);
    return { sha256: c.sha256, size: data.length, read: () => data };
  });
  const state = {
    ...parsed.data,
    files: parsed.data.files.map((f, i) => file(f, `files.${i}`)),
    contents,
    requests: (parsed.data.requests ?? []).map((r, i): RecordedRequest => {
      if (!('rejection' in r)) return { ...r, file: file(r.file, `requests.${i}.file`) };
      if (!refusalsAllowed) throw new SnapshotFormatError(`requests.${i}: a refused write in a snapshot of format ${bytes[0]}`);
      return r as unknown as RecordedRefusal;
    }),
  };
  assertSortedUnique(state.files.map((f) => f.name), 'files');
  assertSortedUnique(contents.map((c) => c.sha256), 'contents');
  for (const file of state.files) {
    if (isInline(file) && sizes.get(file.sha256) !== file.size) throw new SnapshotFormatError(`the content of inline file ${file.name} is missing or not ${file.size} bytes`);
  }
  assertSortedUnique(state.locks.map((l) => l.name), 'locks');
  for (const { key, value } of state.config) {
    if (!clusterSettingsSchema.shape[key].safeParse(value).success) throw new SnapshotFormatError(`config value of ${key} is out of range`);
  }
  return state as SnapshotState;
}
