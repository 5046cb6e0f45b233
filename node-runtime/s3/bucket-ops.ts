// ListBuckets, CreateBucket, HeadBucket, DeleteBucket and GetBucketLocation. A bucket exists when
// its marker does (CreateBucket) or when any file lives under its folder (written through the
// node API, say); DeleteBucket refuses while any file is left under the folder.
import { Readable } from 'node:stream';
import type { S3Services } from './s3-services';
import { ApiError } from '../common/errors';
import { bucketMarker, bucketMarkerPrefix, checkBucketName, isValidBucketName } from './namespace';
import { readSmallBody, sendEmpty, sendXml, type S3Request } from './s3-request';
import { S3Error } from './s3-errors';
import { el, xmlDocument } from './xml';

/** A bucket's creation time, or null when it does not exist. */
function bucketCreatedAt(services: S3Services, bucket: string): string | null {
  const marker = markerInfo(services, bucket);
  if (marker) return marker.createdAt;
  const first = services.files.list({ prefix: `${bucket}/`, cursor: null, limit: 1 }).items[0];
  return first?.createdAt ?? null;
}

function markerInfo(services: S3Services, bucket: string) {
  try {
    return services.files.info(bucketMarker(bucket));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found') return null;
    throw err;
  }
}

/** Throws NoSuchBucket unless the bucket exists. */
export function requireBucket(services: S3Services, bucket: string): void {
  if (bucketCreatedAt(services, bucket) === null) {
    throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  }
}

/**
 * requireBucket for a write, which runs on the leader. A leader elected a moment ago may not yet
 * have applied entries its predecessor committed, the bucket's creation among them: before a
 * NoSuchBucket, it catches up (a read barrier) and looks again. Only a miss pays the round.
 */
export async function requireBucketForWrite(services: S3Services, bucket: string): Promise<void> {
  if (bucketCreatedAt(services, bucket) !== null) return;
  await services.readBarrier();
  requireBucket(services, bucket);
}

/** Every bucket name: markers, and top-level folders whose names are valid bucket names. */
function* bucketNames(services: S3Services): Generator<string> {
  const seen = new Set<string>();
  for (const [prefix, delimiter] of [[bucketMarkerPrefix, undefined], ['', '/']] as const) {
    let cursor: string | null = null;
    do {
      const page = services.files.list({ prefix, cursor, limit: 10_000, ...(delimiter && { delimiter }) });
      const names = delimiter ? (page.folders ?? []).map((f) => f.slice(0, -1)) : page.items.map((f) => f.name.slice(prefix.length));
      for (const name of names) {
        if (isValidBucketName(name) && !seen.has(name)) {
          seen.add(name);
          yield name;
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
}

export async function listBuckets(s3: S3Request, services: S3Services): Promise<void> {
  await services.readBarrier();
  const buckets = [...bucketNames(services)]
    .sort()
    .map((name) => el('Bucket', [el('Name', name), el('CreationDate', bucketCreatedAt(services, name) ?? new Date(0).toISOString())]));
  const owner = el('Owner', [el('ID', 'dfs'), el('DisplayName', 'dfs')]);
  sendXml(s3, 200, xmlDocument('ListAllMyBucketsResult', [owner, el('Buckets', buckets)]));
}

export async function createBucket(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  checkBucketName(bucket);
  // The optional CreateBucketConfiguration names a region; one cluster has one.
  await readSmallBody(s3, 64 * 1024);
  if (bucketCreatedAt(services, bucket) !== null) {
    throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket });
  }
  await services.files.write({ name: bucketMarker(bucket), body: Readable.from([]), declaredSize: 0, expectedVersion: 0 });
  sendEmpty(s3, 200, { location: `/${bucket}` });
}

export async function headBucket(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  sendEmpty(s3, 200, { 'x-amz-bucket-region': 'us-east-1' });
}

export async function deleteBucket(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  const page = services.files.list({ prefix: `${bucket}/`, cursor: null, limit: 1 });
  if (page.items.length > 0) throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucket });
  if (!markerInfo(services, bucket)) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  await services.files.remove(bucketMarker(bucket));
  sendEmpty(s3, 204);
}

export async function bucketLocation(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  // Empty means us-east-1, the region clients assume when they have none configured.
  sendXml(s3, 200, xmlDocument('LocationConstraint', []));
}

export async function bucketVersioning(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await services.readBarrier();
  requireBucket(services, bucket);
  sendXml(s3, 200, xmlDocument('VersioningConfiguration', []));
}
