// ListObjectsV2 and ListObjects (v1): pages of a bucket's keys in order, with prefix, "/" as
// delimiter (common prefixes), max-keys, and continuation (v2's opaque token, v1's marker). The
// catalog does the walking: a common prefix is skipped as a whole subtree, so a page costs its
// size, not the size of the folders it rolls up.
import type { FileList } from '../common/api-types';
import type { S3Services } from './s3-services';
import { requireBucket } from './bucket-ops';
import { etagOf } from './object-ops';
import { keyOf } from './namespace';
import type { S3Request } from './s3-request';
import { sendXml } from './s3-request';
import { S3Error } from './s3-errors';
import { uriEncode } from './sigv4';
import { el, xmlDocument } from './xml';

const MAX_KEYS = 1000;

interface ListParams {
  readonly prefix: string;
  readonly delimiter: string;
  readonly maxKeys: number;
  /** List keys after this one (exclusive); a common prefix here skips its whole subtree. */
  readonly after: string;
  readonly urlEncode: boolean;
}

function listParams(s3: S3Request, after: string): ListParams {
  const delimiter = s3.query.get('delimiter') ?? '';
  if (delimiter !== '' && delimiter !== '/') throw new S3Error('NotImplemented', 'Only "/" is supported as a delimiter.');
  const rawMax = s3.query.get('max-keys');
  const maxKeys = rawMax === undefined ? MAX_KEYS : /^\d+$/.test(rawMax) ? Math.min(MAX_KEYS, Number(rawMax)) : NaN;
  if (Number.isNaN(maxKeys)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer.');
  const encoding = s3.query.get('encoding-type');
  if (encoding !== undefined && encoding !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return { prefix: s3.query.get('prefix') ?? '', delimiter, maxKeys, after, urlEncode: encoding === 'url' };
}

interface Page {
  readonly list: FileList;
  readonly lastKey: string | null;
}

function listPage(services: S3Services, bucket: string, p: ListParams): Page {
  if (p.maxKeys === 0) return { list: { items: [], nextCursor: null }, lastKey: null };
  const root = `${bucket}/`;
  const after = p.after !== '' ? `${root}${p.after}` : null;
  const list = services.files.list({ prefix: `${root}${p.prefix}`, cursor: after, limit: p.maxKeys, ...(p.delimiter === '/' && { delimiter: '/' as const }) });
  return { list, lastKey: list.nextCursor === null ? null : keyOf(bucket, list.nextCursor) };
}

function contents(bucket: string, page: Page, encode: (text: string) => string): string[] {
  const files = page.list.items.map((f) =>
    el('Contents', [el('Key', encode(keyOf(bucket, f.name))), el('LastModified', f.modifiedAt), el('ETag', etagOf(f)), el('Size', f.size), el('StorageClass', 'STANDARD')]),
  );
  const prefixes = (page.list.folders ?? []).map((folder) => el('CommonPrefixes', [el('Prefix', encode(keyOf(bucket, folder)))]));
  return [...files, ...prefixes];
}

function encoder(p: ListParams): (text: string) => string {
  return p.urlEncode ? (text) => uriEncode(text, true) : (text) => text;
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith('k:')) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect');
  return text.slice(2);
}

function encodeToken(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

export async function listObjectsV2(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  const token = s3.query.get('continuation-token');
  const startAfter = s3.query.get('start-after') ?? '';
  const resumeAt = token !== undefined ? decodeToken(token) : '';
  const p = listParams(s3, resumeAt > startAfter ? resumeAt : startAfter);
  const page = listPage(services, bucket, p);
  const encode = encoder(p);
  const keyCount = page.list.items.length + (page.list.folders?.length ?? 0);
  sendXml(
    s3,
    200,
    xmlDocument('ListBucketResult', [
      el('Name', bucket),
      el('Prefix', encode(p.prefix)),
      startAfter !== '' ? el('StartAfter', encode(startAfter)) : '',
      token !== undefined ? el('ContinuationToken', token) : '',
      el('KeyCount', keyCount),
      el('MaxKeys', p.maxKeys),
      p.delimiter !== '' ? el('Delimiter', encode(p.delimiter)) : '',
      p.urlEncode ? el('EncodingType', 'url') : '',
      el('IsTruncated', page.lastKey !== null),
      page.lastKey !== null ? el('NextContinuationToken', encodeToken(page.lastKey)) : '',
      ...contents(bucket, page, encode),
    ]),
  );
}

export async function listObjectsV1(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  const marker = s3.query.get('marker') ?? '';
  const p = listParams(s3, marker);
  const page = listPage(services, bucket, p);
  const encode = encoder(p);
  sendXml(
    s3,
    200,
    xmlDocument('ListBucketResult', [
      el('Name', bucket),
      el('Prefix', encode(p.prefix)),
      el('Marker', encode(marker)),
      el('MaxKeys', p.maxKeys),
      p.delimiter !== '' ? el('Delimiter', encode(p.delimiter)) : '',
      p.urlEncode ? el('EncodingType', 'url') : '',
      el('IsTruncated', page.lastKey !== null),
      // Without a delimiter clients resume from the last key they saw; S3 sends NextMarker only with one.
      page.lastKey !== null && p.delimiter !== '' ? el('NextMarker', encode(page.lastKey)) : '',
      ...contents(bucket, page, encode),
    ]),
  );
}
