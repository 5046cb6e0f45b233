// DeleteObjects: up to 1,000 keys in one request (rclone and `aws s3 rm --recursive` use it). Each
// key is deleted on its own; one that fails is reported in the answer, the others still go.
import { createHash } from 'node:crypto';
import type { S3Services } from './s3-services';
import { requireBucketForWrite } from './bucket-ops';
import { objectFileName } from './namespace';
import { removeIfPresent } from './object-ops';
import { readSmallBody, sendXml, type S3Request } from './s3-request';
import { S3Error, toS3Error } from './s3-errors';
import { el, MalformedXmlError, readFlatXml, xmlDocument } from './xml';

const MAX_KEYS = 1000;
/** Deletes proposed at once: enough to fill Raft's pipeline, few enough to stay polite. */
const CONCURRENCY = 16;

/** A small request document, checked against the digests its request declared. */
export async function readRequestDocument(s3: S3Request, limit: number): Promise<string> {
  const body = await readSmallBody(s3, limit);
  const md5 = s3.header('content-md5');
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5.trim()) {
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  if (/^[0-9a-f]{64}$/.test(s3.payloadHash) && createHash('sha256').update(body).digest('hex') !== s3.payloadHash) {
    throw new S3Error('XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
  }
  return body.toString('utf8');
}

export async function deleteObjects(s3: S3Request, services: S3Services, bucket: string): Promise<void> {
  await requireBucketForWrite(services, bucket);
  let parsed: ReturnType<typeof readFlatXml>;
  try {
    parsed = readFlatXml(await readRequestDocument(s3, 2 * 1024 * 1024), 'Delete', 'Object');
  } catch (err) {
    if (err instanceof MalformedXmlError) throw new S3Error('MalformedXML', `The XML you provided was not well-formed: ${err.message}.`);
    throw err;
  }
  const keys = parsed.items.map((o) => o.Key ?? '');
  if (keys.length === 0 || keys.length > MAX_KEYS) throw new S3Error('MalformedXML', `A Delete request names 1 to ${MAX_KEYS} objects.`);
  const quiet = parsed.fields.Quiet === 'true';
  const results: string[] = new Array<string>(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const index = next++;
      const key = keys[index] as string;
      try {
        await removeIfPresent(services, objectFileName(bucket, key));
        results[index] = quiet ? '' : el('Deleted', [el('Key', key)]);
      } catch (err) {
        const s3Error = toS3Error(err) ?? new S3Error('InternalError', 'We encountered an internal error. Please try again.');
        results[index] = el('Error', [el('Key', key), el('Code', s3Error.code), el('Message', s3Error.message)]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, keys.length) }, worker));
  sendXml(s3, 200, xmlDocument('DeleteResult', results));
}
