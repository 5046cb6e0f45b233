// How S3's buckets and keys map onto the cluster's one namespace: bucket "photos" is the top-level
// folder "photos/", key "2024/a.jpg" in it is the file "photos/2024/a.jpg", so the node API sees
// every object and S3 sees every file written under a folder with a bucket's name.
//
// An empty bucket has no files to show it exists, so CreateBucket writes an empty marker file
// under ".s3/buckets/"; multipart uploads keep their parts under ".s3/uploads/". A name starting
// with "." is never a valid bucket name, so these never show as buckets or inside one.
import { validateFileName } from '../common/file-name';
import { S3Error } from './s3-errors';

export const S3_SYSTEM_PREFIX = '.s3/';
const BUCKET_MARKERS = `${S3_SYSTEM_PREFIX}buckets/`;
export const UPLOADS_PREFIX = `${S3_SYSTEM_PREFIX}uploads/`;

/** S3's rules for new bucket names: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit, not an IP address. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name) && validateFileName(name).ok;
}

export function checkBucketName(bucket: string): void {
  if (!isValidBucketName(bucket)) {
    throw new S3Error('InvalidBucketName', `"${bucket}" is not a valid bucket name (3-63 characters of a-z, 0-9, "." and "-"; API route names like "status" are taken).`, { BucketName: bucket });
  }
}

export function bucketMarker(bucket: string): string {
  return `${BUCKET_MARKERS}${bucket}`;
}

export const bucketMarkerPrefix = BUCKET_MARKERS;

/** The file name of `key` in `bucket`; keys the namespace cannot hold are refused with S3's codes. */
export function objectFileName(bucket: string, key: string): string {
  if (key === '') throw new S3Error('InvalidArgument', 'The object key is empty.');
  if (Buffer.byteLength(key, 'utf8') > 1024 - bucket.length - 1) throw new S3Error('KeyTooLongError', 'Your key is too long.', { Key: key });
  const checked = validateFileName(`${bucket}/${key}`);
  if (!checked.ok) throw new S3Error('InvalidArgument', `The key "${key}" cannot be stored: ${checked.detail}.`, { Key: key });
  return checked.name;
}

/** The key of a file inside `bucket`. */
export function keyOf(bucket: string, fileName: string): string {
  return fileName.slice(bucket.length + 1);
}

/**
 * Versioning is never enabled here, so every object has one version, S3's "null". A request for
 * another (GetObject, DeleteObject, a copy source) is refused as S3 refuses an unknown version id,
 * instead of reading, copying or deleting the current content in its place.
 */
export function checkVersionId(versionId: string | undefined): void {
  if (versionId !== undefined && versionId !== 'null') {
    throw new S3Error('InvalidArgument', 'Invalid version id specified: versioning is not enabled here, so the only version is "null".', { ArgumentName: 'versionId', ArgumentValue: versionId });
  }
}
