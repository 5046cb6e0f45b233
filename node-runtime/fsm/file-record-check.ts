// Checks a file record read from a snapshot, by hand. A snapshot holds one record per file, and a
// node restarts (or installs a snapshot) only after checking every one: with zod's strictObject
// that was about 16 µs a record, 1.6 s for 100,000 files, most of a restart. This is the same
// check (strict keys, types, ranges, hex hashes; the rare S3 fields still through their schemas)
// at a small fraction of the cost.

import { md5TagSchema, objectMetaSchema } from '../common/api-types';
import type { FileRecord } from './outcomes';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const FILE_KEYS = new Set(['name', 'size', 'sha256', 'chunks', 'md5', 'meta', 'version', 'revision', 'createdAt', 'modifiedAt']);
const CHUNK_KEYS = new Set(['hash', 'size']);

/** A file record that is not well formed; `path` says where (e.g. "files.12.chunks.0.hash"). */
export class FileRecordError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'FileRecordError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new FileRecordError(path, 'expected a whole number ≥ 0');
  return value;
}

function sha256(value: unknown, path: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) throw new FileRecordError(path, 'expected a SHA-256 in lowercase hex');
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): void {
  for (const key in value) if (!allowed.has(key)) throw new FileRecordError(`${path}.${key}`, 'unknown key');
}

function checkChunks(value: unknown, path: string): void {
  if (!Array.isArray(value)) throw new FileRecordError(path, 'expected an array');
  value.forEach((chunk: unknown, i) => {
    const at = `${path}.${i}`;
    if (!isPlainObject(chunk)) throw new FileRecordError(at, 'expected an object');
    onlyKeys(chunk, CHUNK_KEYS, at);
    sha256(chunk.hash, `${at}.hash`);
    count(chunk.size, `${at}.size`);
  });
}

/**
 * `value`, checked to be a file record, and returned as it is (no copy: restoring 100,000 files
 * made that many more objects for the collector); throws FileRecordError. `revision` is absent
 * from format-1 records (the caller fills it in), so it is optional here.
 */
export function checkFileRecord(value: unknown, path: string): Omit<FileRecord, 'revision'> & { revision?: number } {
  if (!isPlainObject(value)) throw new FileRecordError(path, 'expected an object');
  onlyKeys(value, FILE_KEYS, path);
  const { name, md5, meta, revision } = value;
  if (typeof name !== 'string' || name.length === 0) throw new FileRecordError(`${path}.name`, 'expected a non-empty string');
  count(value.size, `${path}.size`);
  sha256(value.sha256, `${path}.sha256`);
  checkChunks(value.chunks, `${path}.chunks`);
  if (md5 !== undefined && !md5TagSchema.safeParse(md5).success) throw new FileRecordError(`${path}.md5`, 'expected an MD5 tag');
  if (meta !== undefined && !objectMetaSchema.safeParse(meta).success) throw new FileRecordError(`${path}.meta`, 'expected object attributes');
  count(value.version, `${path}.version`);
  if (revision !== undefined) count(revision, `${path}.revision`);
  count(value.createdAt, `${path}.createdAt`);
  count(value.modifiedAt, `${path}.modifiedAt`);
  return value as unknown as Omit<FileRecord, 'revision'> & { revision?: number };
}

/**
 * An entry of a snapshot's `contents`, by hand for the same reason as the records (one per small
 * file): `{ sha256, data }` (base64 bytes, format 4) or, where `named`, `{ sha256, size }` (format 5).
 */
export function checkInlineContent(value: unknown, path: string, named: boolean): { sha256: string; size: number } | { sha256: string; data: string } {
  if (!isPlainObject(value)) throw new FileRecordError(path, 'expected an object');
  const keys = Object.keys(value);
  const expected = named ? 'size' : 'data';
  if (keys.length !== 2 || !(expected in value)) throw new FileRecordError(path, `expected sha256 and ${expected}, nothing else`);
  const hash = sha256(value.sha256, `${path}.sha256`);
  if (named) return { sha256: hash, size: count(value.size, `${path}.size`) };
  if (typeof value.data !== 'string') throw new FileRecordError(`${path}.data`, 'expected base64 text');
  return { sha256: hash, data: value.data };
}
