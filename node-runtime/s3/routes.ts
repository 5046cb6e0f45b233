// Which S3 operation a request is: by method, by whether it names a bucket and a key, and by its
// sub-resource (?uploads, ?delete, ?list-type=2, …). Sub-resources we do not implement (ACLs,
// policies, tagging, versions…) answer NotImplemented rather than something misleading.
import type { S3Services } from './s3-services';
import { bucketLocation, bucketVersioning, createBucket, deleteBucket, headBucket, listBuckets } from './bucket-ops';
import { deleteObjects } from './delete-objects';
import { listObjectsV1, listObjectsV2 } from './list-ops';
import { abortUpload, completeUpload, createUpload, listParts, listUploads, uploadPart } from './multipart-ops';
import { copyObject, deleteObject, getObject, putObject } from './object-ops';
import { checkVersionId } from './namespace';
import type { S3Request } from './s3-request';
import { S3Error } from './s3-errors';

/** Query keys that select an operation (S3's sub-resources) and that this endpoint serves. */
const SERVED_SUBRESOURCES = new Set(['uploads', 'uploadId', 'partNumber', 'delete', 'location', 'versioning', 'list-type']);
/** Sub-resources S3 has and we do not: refused by name instead of being mistaken for plain GETs. */
const UNSERVED_SUBRESOURCES = ['acl', 'policy', 'tagging', 'versions', 'lifecycle', 'cors', 'website', 'logging', 'notification', 'replication', 'encryption', 'object-lock', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'accelerate', 'analytics', 'inventory', 'metrics', 'ownershipControls', 'publicAccessBlock', 'requestPayment', 'intelligent-tiering', 'attributes'];

export function isWrite(s3: S3Request): boolean {
  return s3.method === 'PUT' || s3.method === 'POST' || s3.method === 'DELETE';
}

function notAllowed(s3: S3Request): never {
  throw new S3Error('MethodNotAllowed', `The specified method ${s3.method} is not allowed against this resource.`);
}

export async function dispatch(s3: S3Request, services: S3Services): Promise<void> {
  const unserved = UNSERVED_SUBRESOURCES.find((name) => s3.query.has(name));
  if (unserved !== undefined) throw new S3Error('NotImplemented', `The ?${unserved} sub-resource is not implemented by this endpoint.`);
  const { bucket, key, method, query } = s3;
  if (bucket === null) {
    if (method === 'GET' || method === 'HEAD') return listBuckets(s3, services);
    return notAllowed(s3);
  }
  if (key === null) return bucketOperation(s3, services, bucket);
  checkVersionId(query.get('versionId'));
  const uploadId = query.get('uploadId');
  switch (method) {
    case 'PUT':
      if (uploadId !== undefined) return uploadPart(s3, services, bucket, key, uploadId);
      if (s3.header('x-amz-copy-source') !== undefined) return copyObject(s3, services, bucket, key);
      return putObject(s3, services, bucket, key);
    case 'GET':
      if (uploadId !== undefined) return listParts(s3, services, bucket, key, uploadId);
      return getObject(s3, services, bucket, key);
    case 'HEAD':
      return getObject(s3, services, bucket, key);
    case 'DELETE':
      if (uploadId !== undefined) return abortUpload(s3, services, bucket, key, uploadId);
      return deleteObject(s3, services, bucket, key);
    case 'POST':
      if (query.has('uploads')) return createUpload(s3, services, bucket, key);
      if (uploadId !== undefined) return completeUpload(s3, services, bucket, key, uploadId);
      return notAllowed(s3);
    default:
      return notAllowed(s3);
  }
}

function bucketOperation(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  const { method, query } = s3;
  switch (method) {
    case 'GET':
      if (query.has('location')) return bucketLocation(s3, services, bucket);
      if (query.has('versioning')) return bucketVersioning(s3, services, bucket);
      if (query.has('uploads')) return listUploads(s3, services, bucket);
      if (query.get('list-type') === '2') return listObjectsV2(s3, services, bucket);
      return listObjectsV1(s3, services, bucket);
    case 'HEAD':
      return headBucket(s3, services, bucket);
    case 'PUT':
      if ([...query.keys()].some((k) => SERVED_SUBRESOURCES.has(k))) return notAllowed(s3);
      return createBucket(s3, services, bucket);
    case 'DELETE':
      return deleteBucket(s3, services, bucket);
    case 'POST':
      if (query.has('delete')) return deleteObjects(s3, services, bucket);
      return notAllowed(s3);
    default:
      return notAllowed(s3);
  }
}
