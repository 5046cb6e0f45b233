// Who is asking: a request signed with the configured key (SigV4 in its Authorization header or
// its presigned URL), or an unsigned read of a bucket opened to anonymous reads. Everything else
// is refused before any file is looked at, so an unknown caller learns nothing about the keys.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { S3Credentials } from './credentials';
import type { S3Request } from './s3-request';
import { S3Error } from './s3-errors';
import { signatureParts, UNSIGNED_PAYLOAD, verifySignature } from './sigv4';

export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';

function sameText(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function authenticate(s3: S3Request, credentials: S3Credentials, write: boolean): void {
  const parts = signatureParts(s3.signable);
  if (!parts) {
    const readable = !write && (s3.method === 'GET' || s3.method === 'HEAD') && s3.bucket !== null && credentials.anonymousRead.has(s3.bucket);
    if (!readable) throw new S3Error('AccessDenied', 'Access Denied: the request is not signed and this bucket is not open to anonymous reads.');
    s3.payloadHash = UNSIGNED_PAYLOAD;
    return;
  }
  if (!sameText(parts.credential.accessKey, credentials.accessKey)) {
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  const { key, scope } = verifySignature(s3.signable, parts, credentials.secretKey, Date.now());
  s3.payloadHash = parts.payloadHash;
  if (parts.payloadHash === STREAMING_PAYLOAD) s3.streaming = { key, scope, amzDate: parts.amzDate, seedSignature: parts.signature };
}
