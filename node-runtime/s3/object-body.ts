// What an upload (PutObject, UploadPart) hands the file service: the body as a stream, its
// declared size, the digests it must match, and the attributes it brings. The body is never
// buffered: declared digests are checked by the writer once the last byte is stored and before
// anything is committed.
import type { Readable } from 'node:stream';
import type { ObjectMeta } from '../common/api-types';
import { STREAMING_PAYLOAD } from './authenticate';
import { AwsChunkedDecoder } from './aws-chunked';
import type { S3Request } from './s3-request';
import { S3Error } from './s3-errors';

/** S3's limit on the x-amz-meta-* headers of one object, names and values together. */
const MAX_USER_METADATA_BYTES = 2048;
/** S3's largest single PUT (multipart goes beyond). */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

export interface ObjectBody {
  readonly body: Readable;
  readonly declaredSize: number | null;
  readonly expected: { md5Hex?: string; sha256Hex?: string };
}

export function objectBody(s3: S3Request): ObjectBody {
  const expected: { md5Hex?: string; sha256Hex?: string } = {};
  const contentMd5 = s3.header('content-md5');
  if (contentMd5 !== undefined) {
    const raw = Buffer.from(contentMd5, 'base64');
    if (raw.length !== 16 || raw.toString('base64') !== contentMd5.trim()) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.');
    expected.md5Hex = raw.toString('hex');
  }
  if (/^[0-9a-f]{64}$/.test(s3.payloadHash)) expected.sha256Hex = s3.payloadHash;
  else if (s3.payloadHash.startsWith('STREAMING-') && s3.payloadHash !== STREAMING_PAYLOAD) {
    throw new S3Error('NotImplemented', `The payload mode ${s3.payloadHash} is not supported; sign the payload, send it unsigned, or use ${STREAMING_PAYLOAD}.`);
  }
  const streaming = s3.streaming;
  const lengthHeader = streaming ? s3.header('x-amz-decoded-content-length') : s3.header('content-length');
  const declaredSize = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  if (streaming && declaredSize === null) throw new S3Error('MissingContentLength', 'An aws-chunked upload needs x-amz-decoded-content-length.');
  if (declaredSize !== null && declaredSize > MAX_SINGLE_PUT_BYTES) {
    throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size (5 GiB in one PUT; use multipart upload).');
  }
  const body = streaming ? s3.req.pipe(new AwsChunkedDecoder(streaming, declaredSize ?? 0)) : s3.req;
  if (streaming) {
    s3.req.on('error', (err) => body.destroy(err));
    // An unheard 'error' ends the process, and the decoder fails whenever the request ends before
    // its final chunk: also after the file service has refused the write, or has finished with the
    // body and let go of it. The writer hears the failures that concern it through its own pipeline.
    body.on('error', () => undefined);
  }
  return { body, declaredSize, expected };
}

/** Content-Type, Content-Disposition, Cache-Control, Content-Encoding and x-amz-meta-* as sent. */
export function objectMetaFrom(s3: S3Request): ObjectMeta {
  const meta: { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] } = {};
  const contentType = s3.header('content-type');
  if (contentType !== undefined && contentType !== '') meta.contentType = contentType;
  const disposition = s3.header('content-disposition');
  if (disposition !== undefined) meta.contentDisposition = disposition;
  const cacheControl = s3.header('cache-control');
  if (cacheControl !== undefined) meta.cacheControl = cacheControl;
  // aws-chunked describes how this request's body travels, not the object.
  const encoding = s3.header('content-encoding')?.split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked').join(', ');
  if (encoding) meta.contentEncoding = encoding;
  const user: Record<string, string> = {};
  let bytes = 0;
  for (const [name, values] of s3.signable.headers) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const key = name.slice('x-amz-meta-'.length);
    const value = values.join(',');
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    user[key] = value;
  }
  if (bytes > MAX_USER_METADATA_BYTES) throw new S3Error('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size (${MAX_USER_METADATA_BYTES} bytes).`);
  if (Object.keys(user).length > 0) meta.user = user;
  return meta;
}
