// PutObject, GetObject, HeadObject, DeleteObject and CopyObject on top of the file service: the
// bytes stream through the same writer (chunks, replication, quota, locks) and reader (verified
// chunks, read repair) as the node API's, so both APIs see one file.
import { validateHeaderValue } from 'node:http';
import type { FileInfo } from '../common/api-types';
import { ApiError } from '../common/errors';
import type { S3Services } from './s3-services';
import { parseRange } from '../common/byte-range';
import { requireBucket, requireBucketForWrite } from './bucket-ops';
import { checkVersionId, objectFileName } from './namespace';
import { objectBody, objectMetaFrom } from './object-body';
import { sendEmpty, sendXml, type S3Request } from './s3-request';
import { S3Error } from './s3-errors';
import { xmlDocument } from './xml';

/** The ETag S3 clients check: the MD5 for files written through S3, else (node API files) the SHA-256. */
export function etagOf(info: { md5?: string | undefined; sha256: string }): string {
  return `"${info.md5 ?? info.sha256}"`;
}

export async function putObject(s3: S3Request, services: S3Services, bucket: string, key: string): Promise<void> {
  const name = objectFileName(bucket, key);
  await requireBucketForWrite(services, bucket);
  const meta = objectMetaFrom(s3);
  const { body, declaredSize, expected } = objectBody(s3);
  const info = await services.files.write({ name, body, declaredSize, md5: true, meta, expected });
  sendEmpty(s3, 200, { etag: etagOf(info) });
}

/** The object's metadata; NoSuchBucket or NoSuchKey when it is not there. */
export function objectInfo(services: S3Services, bucket: string, key: string): FileInfo {
  const name = objectFileName(bucket, key);
  try {
    return services.files.info(name);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'not_found') throw err;
    requireBucket(services, bucket);
    throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
  }
}

function objectHeaders(info: FileInfo): Record<string, string> {
  const meta = info.meta ?? {};
  const headers: Record<string, string> = {
    etag: etagOf(info),
    'last-modified': new Date(info.modifiedAt).toUTCString(),
    'accept-ranges': 'bytes',
    'content-type': meta.contentType ?? 'application/octet-stream',
  };
  if (meta.contentDisposition !== undefined) headers['content-disposition'] = meta.contentDisposition;
  if (meta.cacheControl !== undefined) headers['cache-control'] = meta.cacheControl;
  if (meta.contentEncoding !== undefined) headers['content-encoding'] = meta.contentEncoding;
  for (const [k, v] of Object.entries(meta.user ?? {})) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

/**
 * S3 lets a signed GET choose some response headers: response-content-type and friends. A value
 * no header can carry (a control character, say) is the client's error: refused before the head
 * is written, instead of failing inside writeHead.
 */
function responseOverrides(s3: S3Request, headers: Record<string, string>): void {
  for (const name of ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding']) {
    const value = s3.query.get(`response-${name}`);
    if (value === undefined) continue;
    try {
      validateHeaderValue(name, value);
    } catch {
      throw new S3Error('InvalidArgument', `response-${name} holds a character no HTTP header may carry.`, { ArgumentName: `response-${name}` });
    }
    headers[name] = value;
  }
}

/** The conditional headers, in S3's order of precedence: 412 PreconditionFailed or 304 Not Modified. */
function checkConditions(s3: S3Request, info: FileInfo, etag: string): 304 | null {
  const matches = (header: string) => header.split(',').some((t) => t.trim() === '*' || t.trim() === etag || t.trim() === `W/${etag}`);
  const modifiedSec = Math.floor(Date.parse(info.modifiedAt) / 1000);
  const since = (name: string): number | null => {
    const text = s3.header(name);
    const ms = text === undefined ? NaN : Date.parse(text);
    return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
  };
  const ifMatch = s3.header('if-match');
  if (ifMatch !== undefined && !matches(ifMatch)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  const unmodifiedSince = since('if-unmodified-since');
  if (ifMatch === undefined && unmodifiedSince !== null && modifiedSec > unmodifiedSince) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Unmodified-Since' });
  }
  const ifNoneMatch = s3.header('if-none-match');
  if (ifNoneMatch !== undefined) return matches(ifNoneMatch) ? 304 : null;
  const modifiedSince = since('if-modified-since');
  return modifiedSince !== null && modifiedSec <= modifiedSince ? 304 : null;
}

/** GetObject and HeadObject. */
export async function getObject(s3: S3Request, services: S3Services, bucket: string, key: string): Promise<void> {
  await services.readBarrier();
  const info = objectInfo(services, bucket, key);
  const headers = objectHeaders(info);
  if (checkConditions(s3, info, headers.etag as string) === 304) {
    const { etag, 'last-modified': lastModified } = headers as { etag: string; 'last-modified': string };
    s3.res.writeHead(304, { etag, 'last-modified': lastModified, 'x-amz-request-id': s3.requestId }).end();
    return;
  }
  responseOverrides(s3, headers);
  const range = parseRange(s3.header('range'), info.size, s3.header('if-range'), headers.etag as string);
  if (range === 'unsatisfiable') throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(info.size) });
  headers['content-length'] = String(range ? range.end - range.start + 1 : info.size);
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
  s3.res.writeHead(range ? 206 : 200, { ...headers, 'x-amz-request-id': s3.requestId });
  if (s3.method === 'HEAD') {
    s3.res.end();
    return;
  }
  // A failed read can only cut the response short once the head is gone; a client sees the
  // length fall short and retries.
  await services.files.send(info, range, s3.res).catch(() => s3.res.destroy());
}

export async function deleteObject(s3: S3Request, services: S3Services, bucket: string, key: string): Promise<void> {
  await requireBucketForWrite(services, bucket);
  await removeIfPresent(services, objectFileName(bucket, key));
  sendEmpty(s3, 204);
}

/** Deletes a file; one that is already gone is no error (S3's DELETE is idempotent). */
export async function removeIfPresent(services: S3Services, name: string): Promise<void> {
  try {
    await services.files.remove(name);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'not_found') throw err;
  }
}

/** `x-amz-copy-source: /bucket/key[?versionId=null]` (URL-encoded, the leading "/" optional). */
function copySource(s3: S3Request): { bucket: string; key: string } {
  const raw = s3.header('x-amz-copy-source') ?? '';
  const q = raw.indexOf('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(q < 0 ? raw : raw.slice(0, q));
    if (q >= 0) checkVersionId(new URLSearchParams(raw.slice(q + 1)).get('versionId') ?? undefined);
  } catch (err) {
    if (err instanceof S3Error) throw err;
    throw new S3Error('InvalidArgument', 'x-amz-copy-source is not valid percent-encoding.');
  }
  const path = decoded.startsWith('/') ? decoded.slice(1) : decoded;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new S3Error('InvalidArgument', 'x-amz-copy-source must be /bucket/key.');
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

/**
 * CopyObject. A source with a plain MD5 is copied by reference: the copy shares its chunks (same
 * bytes, so the same MD5), nothing is read but for the SHA-256. Otherwise (a multipart ETag, or a
 * node API file without an MD5) its verified bytes stream through the writer for a fresh MD5;
 * the chunks come out the same, so either way no disk is used twice.
 */
export async function copyObject(s3: S3Request, services: S3Services, bucket: string, key: string): Promise<void> {
  const target = objectFileName(bucket, key);
  await requireBucketForWrite(services, bucket);
  const source = copySource(s3);
  const info = objectInfo(services, source.bucket, source.key);
  const directive = s3.header('x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'x-amz-metadata-directive must be COPY or REPLACE.');
  if (target === info.name && directive === 'COPY') {
    throw new S3Error('InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata.');
  }
  const meta = directive === 'REPLACE' ? objectMetaFrom(s3) : info.meta ?? {};
  const copied =
    info.md5 !== undefined && /^[0-9a-f]{32}$/.test(info.md5)
      ? await services.files.compose({ name: target, parts: [info], md5Tag: info.md5, meta })
      : await services.files.write({ name: target, body: services.files.read(info, null), declaredSize: info.size, md5: true, meta, expected: { sha256Hex: info.sha256 } });
  sendXml(s3, 200, xmlDocument('CopyObjectResult', { LastModified: copied.modifiedAt, ETag: etagOf(copied) }));
}
