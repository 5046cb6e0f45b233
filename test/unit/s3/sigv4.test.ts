// SigV4 as S3 checks it, against AWS's published examples: the signature-v4 test suite's
// get-vanilla, and the S3 developer guide's header, query-string (presigned) and chunked-upload
// examples (key AKIAIOSFODNN7EXAMPLE, 24 May 2013). The expected signatures are AWS's, copied
// from the documents, not computed here.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../../node-runtime/s3/aws-chunked';
import { S3Error } from '../../../node-runtime/s3/s3-errors';
import {
  canonicalRequest,
  EMPTY_SHA256,
  sign,
  signatureParts,
  signingKey,
  stringToSign,
  verifySignature,
  type SignableRequest,
} from '../../../node-runtime/s3/sigv4';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const S3_CREDENTIAL = { accessKey: 'AKIAIOSFODNN7EXAMPLE', date: '20130524', region: 'us-east-1', service: 's3' };
const AT = '20130524T000000Z';
const AT_MS = Date.UTC(2013, 4, 24);

function request(method: string, rawPath: string, rawQuery: string, headers: Record<string, string>): SignableRequest {
  return { method, rawPath, rawQuery, headers: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])) };
}

function signatureOf(req: SignableRequest, signed: string[], payload: string, credential = S3_CREDENTIAL, secret = SECRET, at = AT, exclude?: string): string {
  return sign(signingKey(secret, credential), stringToSign(at, credential, canonicalRequest(req, signed, payload, exclude)));
}

describe('the signature-v4 test suite', () => {
  it('get-vanilla', () => {
    const credential = { accessKey: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'service' };
    const req = request('GET', '/', '', { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' });
    const signature = signatureOf(req, ['host', 'x-amz-date'], EMPTY_SHA256, credential, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830T123600Z');
    expect(signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});

describe("the S3 guide's header examples", () => {
  const host = 'examplebucket.s3.amazonaws.com';

  it('GET Object with a Range', () => {
    const req = request('GET', '/test.txt', '', { host, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': AT });
    expect(signatureOf(req, ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'], EMPTY_SHA256)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('PUT Object, with a "$" in the key (encoded once, never twice)', () => {
    const payload = '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072';
    const req = request('PUT', '/test%24file.text', '', {
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      host,
      'x-amz-content-sha256': payload,
      'x-amz-date': AT,
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    });
    expect(signatureOf(req, ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'], payload)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket lifecycle: a sub-resource without a value', () => {
    const req = request('GET', '/', 'lifecycle', { host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': AT });
    expect(signatureOf(req, ['host', 'x-amz-content-sha256', 'x-amz-date'], EMPTY_SHA256)).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (list objects): query parameters sorted', () => {
    const req = request('GET', '/', 'prefix=J&max-keys=2', { host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': AT });
    expect(signatureOf(req, ['host', 'x-amz-content-sha256', 'x-amz-date'], EMPTY_SHA256)).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('verifies the example request as a whole, and refuses it with another secret', () => {
    const signature = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
    const req = request('GET', '/test.txt', '', {
      host,
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': AT,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=${signature}`,
    });
    const parts = signatureParts(req);
    expect(parts?.credential.accessKey).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(() => verifySignature(req, parts!, SECRET, AT_MS + 60_000)).not.toThrow();
    expect(() => verifySignature(req, parts!, 'another-secret', AT_MS)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
    expect(() => verifySignature(req, parts!, SECRET, AT_MS + 16 * 60_000)).toThrow(expect.objectContaining({ code: 'RequestTimeTooSkewed' }));
  });
});

describe("the S3 guide's presigned URL example", () => {
  const query =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host';
  const signature = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  const req = request('GET', '/test.txt', `${query}&X-Amz-Signature=${signature}`, { host: 'examplebucket.s3.amazonaws.com' });

  it('signs the query without its own signature', () => {
    expect(signatureOf(req, ['host'], 'UNSIGNED-PAYLOAD', S3_CREDENTIAL, SECRET, AT, 'X-Amz-Signature')).toBe(signature);
  });

  it('is valid until it expires, then refused', () => {
    const parts = signatureParts(req);
    expect(parts?.presigned).toBe(true);
    expect(() => verifySignature(req, parts!, SECRET, AT_MS + 86_399_000)).not.toThrow();
    expect(() => verifySignature(req, parts!, SECRET, AT_MS + 86_401_000)).toThrow(expect.objectContaining({ code: 'AccessDenied', message: 'Request has expired' }));
  });

  it('is refused when anything it signed changed', () => {
    const altered = request('GET', '/other.txt', `${query}&X-Amz-Signature=${signature}`, { host: 'examplebucket.s3.amazonaws.com' });
    expect(() => verifySignature(altered, signatureParts(altered)!, SECRET, AT_MS)).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
  });

  it('refuses Signature Version 2 by name', () => {
    expect(() => signatureParts(request('GET', '/test.txt', 'AWSAccessKeyId=A&Signature=x&Expires=1', {}))).toThrow(S3Error);
  });
});

describe("the S3 guide's chunked upload example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
  const seedSignature = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const signing = { key: signingKey(SECRET, S3_CREDENTIAL), scope: '20130524/us-east-1/s3/aws4_request', amzDate: AT, seedSignature };
  const chunk = (size: number, signature: string) => Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${signature}\r\n`), Buffer.alloc(size, 'a'), Buffer.from('\r\n')]);
  const body = Buffer.concat([
    chunk(65_536, 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648'),
    chunk(1_024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'),
    chunk(0, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'),
  ]);

  async function decode(bytes: Buffer, pieceSize: number): Promise<Buffer> {
    const pieces = [];
    for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
    const out: Buffer[] = [];
    for await (const piece of Readable.from(pieces).pipe(new AwsChunkedDecoder(signing, 66_560))) out.push(piece as Buffer);
    return Buffer.concat(out);
  }

  it("decodes AWS's example body, however it is split on the wire", async () => {
    for (const pieceSize of [1, 7, 4096, body.length]) {
      const decoded = await decode(body, pieceSize);
      expect(decoded.length).toBe(66_560);
      expect(decoded.every((b) => b === 0x61)).toBe(true);
    }
  });

  it('fails on a changed byte, a dropped chunk or a missing end', async () => {
    const changed = Buffer.from(body);
    changed[200] = 0x62;
    await expect(decode(changed, 4096)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    const dropped = Buffer.concat([chunk(1_024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'), chunk(0, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9')]);
    await expect(decode(dropped, 4096)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(decode(body.subarray(0, 65_700), 4096)).rejects.toMatchObject({ code: 'IncompleteBody' });
  });
});
