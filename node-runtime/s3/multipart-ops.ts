// Multipart upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload,
// ListParts and ListMultipartUploads. An upload lives in the namespace under
// `.s3/uploads/<bucket>/<uploadId>/`: a marker `k/<key>` carrying the object's attributes, and one
// file per part `p/<00001>`. Each part streams through the writer like any file (chunked,
// replicated, counted against the quota); Complete commits the object as the parts' chunks end to
// end (no byte is copied, only hashed for its SHA-256) and removes the parts. Uploads left behind are removed by the sweeper (upload-sweeper.ts).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileListItem } from '../common/api-types';
import type { S3Services } from './s3-services';
import { requireBucket, requireBucketForWrite } from './bucket-ops';
import { readRequestDocument } from './delete-objects';
import { objectFileName, UPLOADS_PREFIX } from './namespace';
import { objectBody, objectMetaFrom } from './object-body';
import { etagOf, removeIfPresent } from './object-ops';
import { sendEmpty, sendXml, type S3Request } from './s3-request';
import { S3Error } from './s3-errors';
import { el, MalformedXmlError, readFlatXml, xmlDocument } from './xml';

const MAX_PART_NUMBER = 10_000;
/** S3's smallest part, except the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's largest part. */
const MAX_PART_BYTES = 5 * 1024 ** 3;
/** Parts removed in parallel when an upload completes or is aborted (it may have 10,000). */
const REMOVALS_AT_ONCE = 32;

export function uploadFolder(bucket: string, uploadId: string): string {
  return `${UPLOADS_PREFIX}${bucket}/${uploadId}/`;
}

function partName(bucket: string, uploadId: string, part: number): string {
  return `${uploadFolder(bucket, uploadId)}p/${String(part).padStart(5, '0')}`;
}

/** Every file of a listing under `prefix`, page after page. */
export function* listAll(services: S3Services, prefix: string, delimiter?: '/'): Generator<FileListItem | string> {
  let cursor: string | null = null;
  do {
    const page = services.files.list({ prefix, cursor, limit: 1000, ...(delimiter && { delimiter }) });
    yield* page.items;
    yield* page.folders ?? [];
    cursor = page.nextCursor;
  } while (cursor !== null);
}

interface Upload {
  readonly uploadId: string;
  readonly key: string;
  readonly marker: FileListItem;
}

/** The upload's marker; NoSuchUpload when it is not there or is for another key. */
function findUpload(services: S3Services, bucket: string, uploadId: string, key: string | null): Upload {
  const markerPrefix = `${uploadFolder(bucket, uploadId)}k/`;
  const marker = /^[0-9a-f]{32}$/.test(uploadId) ? services.files.list({ prefix: markerPrefix, cursor: null, limit: 1 }).items[0] : undefined;
  const found = marker ? marker.name.slice(markerPrefix.length) : null;
  if (!marker || found === null || (key !== null && found !== key)) {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
  }
  return { uploadId, key: found, marker };
}

export async function createUpload(s3: S3Request, services: S3Services, bucket: string, key: string): Promise<void> {
  objectFileName(bucket, key);
  await requireBucketForWrite(services, bucket);
  const uploadId = randomBytes(16).toString('hex');
  const meta = objectMetaFrom(s3);
  await services.files.write({ name: `${uploadFolder(bucket, uploadId)}k/${key}`, body: Readable.from([]), declaredSize: 0, meta });
  sendXml(s3, 200, xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
}

function partNumberOf(text: string | undefined): number {
  const n = text !== undefined && /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_PART_NUMBER)) throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`);
  return n;
}

export async function uploadPart(s3: S3Request, services: S3Services, bucket: string, key: string, uploadId: string): Promise<void> {
  const part = partNumberOf(s3.query.get('partNumber'));
  if (s3.header('x-amz-copy-source') !== undefined) throw new S3Error('NotImplemented', 'UploadPartCopy is not implemented; upload the part\'s bytes.');
  findUpload(services, bucket, uploadId, key);
  const { body, declaredSize, expected } = objectBody(s3);
  if (declaredSize !== null && declaredSize > MAX_PART_BYTES) throw new S3Error('EntityTooLarge', 'A part is at most 5 GiB.');
  const info = await services.files.write({ name: partName(bucket, uploadId, part), body, declaredSize, md5: true, expected });
  sendEmpty(s3, 200, { etag: etagOf(info) });
}

function partsOf(services: S3Services, bucket: string, uploadId: string): FileListItem[] {
  return [...listAll(services, `${uploadFolder(bucket, uploadId)}p/`)] as FileListItem[];
}

function requestedParts(xml: string): { part: number; etag: string }[] {
  let parsed: ReturnType<typeof readFlatXml>;
  try {
    parsed = readFlatXml(xml, 'CompleteMultipartUpload', 'Part');
  } catch (err) {
    if (err instanceof MalformedXmlError) throw new S3Error('MalformedXML', `The XML you provided was not well-formed: ${err.message}.`);
    throw err;
  }
  if (parsed.items.length === 0) throw new S3Error('MalformedXML', 'CompleteMultipartUpload names no parts.');
  const parts = parsed.items.map((p) => ({ part: partNumberOf(p.PartNumber), etag: (p.ETag ?? '').replace(/^"|"$/g, '') }));
  for (let i = 1; i < parts.length; i += 1) {
    if ((parts[i] as { part: number }).part <= (parts[i - 1] as { part: number }).part) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  }
  return parts;
}

export async function completeUpload(s3: S3Request, services: S3Services, bucket: string, key: string, uploadId: string): Promise<void> {
  const upload = findUpload(services, bucket, uploadId, key);
  const requested = requestedParts(await readRequestDocument(s3, 4 * 1024 * 1024));
  const stored = new Map(partsOf(services, bucket, uploadId).map((p) => [p.name, p]));
  const infos = requested.map(({ part, etag }, index) => {
    const found = stored.get(partName(bucket, uploadId, part));
    if (!found || found.md5 !== etag) {
      throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', { PartNumber: String(part) });
    }
    if (index < requested.length - 1 && found.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size (each part but the last must be at least 5 MiB).', { PartNumber: String(part) });
    }
    return services.files.info(found.name);
  });
  const md5s = Buffer.concat(infos.map((p) => Buffer.from(p.md5 ?? '', 'hex')));
  const md5Tag = `${createHash('md5').update(md5s).digest('hex')}-${infos.length}`;
  const meta = services.files.info(upload.marker.name).meta ?? {};
  const info = await services.files.compose({ name: objectFileName(bucket, key), parts: infos, md5Tag, meta });
  await removeUpload(services, bucket, uploadId);
  sendXml(s3, 200, xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etagOf(info) }));
}

/** Removes an upload's parts, then its marker (so a half-removed upload is still found and finished by the sweeper). */
export async function removeUpload(services: S3Services, bucket: string, uploadId: string): Promise<void> {
  const folder = uploadFolder(bucket, uploadId);
  const names = [...listAll(services, folder)].map((f) => (typeof f === 'string' ? f : f.name));
  const parts = names.filter((n) => n.startsWith(`${folder}p/`));
  // Each removal is its own Raft entry: sent together, they share replication rounds and fsyncs.
  for (let i = 0; i < parts.length; i += REMOVALS_AT_ONCE) {
    await Promise.all(parts.slice(i, i + REMOVALS_AT_ONCE).map((name) => removeIfPresent(services, name)));
  }
  for (const name of names.filter((n) => !parts.includes(n))) await removeIfPresent(services, name);
}

export async function abortUpload(s3: S3Request, services: S3Services, bucket: string, key: string, uploadId: string): Promise<void> {
  findUpload(services, bucket, uploadId, key);
  await removeUpload(services, bucket, uploadId);
  sendEmpty(s3, 204);
}

export async function listParts(s3: S3Request, services: S3Services, bucket: string, key: string, uploadId: string): Promise<void> {
  await services.readBarrier();
  findUpload(services, bucket, uploadId, key);
  const markerText = s3.query.get('part-number-marker') ?? '0';
  const after = /^\d+$/.test(markerText) ? Number(markerText) : 0;
  const maxParts = Math.min(1000, Number(s3.query.get('max-parts') ?? 1000) || 1000);
  const all = partsOf(services, bucket, uploadId).filter((p) => Number(p.name.slice(-5)) > after);
  const page = all.slice(0, maxParts);
  const last = page[page.length - 1];
  const truncated = all.length > page.length;
  sendXml(
    s3,
    200,
    xmlDocument('ListPartsResult', [
      el('Bucket', bucket),
      el('Key', key),
      el('UploadId', uploadId),
      el('PartNumberMarker', after),
      el('NextPartNumberMarker', last ? Number(last.name.slice(-5)) : after),
      el('MaxParts', maxParts),
      el('IsTruncated', truncated),
      ...page.map((p) => el('Part', [el('PartNumber', Number(p.name.slice(-5))), el('LastModified', p.modifiedAt), el('ETag', etagOf(p)), el('Size', p.size)])),
    ]),
  );
}

/** Buckets that have uploads in progress. */
export function bucketsWithUploads(services: S3Services): string[] {
  return [...listAll(services, UPLOADS_PREFIX, '/')].filter((f): f is string => typeof f === 'string').map((f) => f.slice(UPLOADS_PREFIX.length, -1));
}

/** Every upload in progress in `bucket`: id, key and when it began. */
export function uploadsIn(services: S3Services, bucket: string): Upload[] {
  const folders = [...listAll(services, `${UPLOADS_PREFIX}${bucket}/`, '/')].filter((f): f is string => typeof f === 'string');
  return folders.flatMap((folder) => {
    const uploadId = folder.slice(`${UPLOADS_PREFIX}${bucket}/`.length, -1);
    try {
      return [findUpload(services, bucket, uploadId, null)];
    } catch {
      return [];
    }
  });
}

export async function listUploads(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  const prefix = s3.query.get('prefix') ?? '';
  const keyMarker = s3.query.get('key-marker') ?? '';
  // S3 reads upload-id-marker only beside a key-marker: uploads of that key after that id.
  const idMarker = keyMarker === '' ? '' : (s3.query.get('upload-id-marker') ?? '');
  const maxUploads = Math.min(1000, Number(s3.query.get('max-uploads') ?? 1000) || 1000);
  // Ordered by key, then by upload id, so (key-marker, upload-id-marker) names one place in the list.
  const remaining = uploadsIn(services, bucket)
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => compareText(a.key, b.key) || compareText(a.uploadId, b.uploadId))
    .filter((u) => u.key > keyMarker || (u.key === keyMarker && idMarker !== '' && u.uploadId > idMarker));
  const page = remaining.slice(0, maxUploads);
  const truncated = remaining.length > page.length;
  const last = page[page.length - 1];
  sendXml(
    s3,
    200,
    xmlDocument('ListMultipartUploadsResult', [
      el('Bucket', bucket),
      el('KeyMarker', keyMarker),
      el('UploadIdMarker', idMarker),
      ...(truncated && last ? [el('NextKeyMarker', last.key), el('NextUploadIdMarker', last.uploadId)] : []),
      el('Prefix', prefix),
      el('MaxUploads', maxUploads),
      el('IsTruncated', truncated),
      ...page.map((u) => el('Upload', [el('Key', u.key), el('UploadId', u.uploadId), el('Initiated', u.marker.createdAt), el('StorageClass', 'STANDARD')])),
    ]),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
