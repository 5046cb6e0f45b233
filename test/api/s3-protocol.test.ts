// The S3 endpoint over real HTTP, request by request: listings (delimiters, unicode keys,
// continuation, v1 markers, URL encoding), errors as S3 XML with S3's codes, Range, conditional
// GETs, metadata, digests, CopyObject, DeleteObjects, the multipart API and aws-chunked bodies.
// Requests are signed with SigV4 as the published algorithm says (test/unit/s3/sigv4.test.ts
// checks that signer against AWS's own examples).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../cluster/harness';
import { EMPTY_SHA256, signingKey } from '../../node-runtime/s3/sigv4';
import { slowRequest } from './slow-client';
import { chunkCount } from './stored';
import { ACCESS_KEY, SECRET_KEY, s3Target, signedFetch, startS3Cluster, xmlValues, type S3Cluster, type SignedRequest } from './s3-support';

let s3: S3Cluster;
let endpoint: string;

const call = (r: SignedRequest) => signedFetch(endpoint, r);
const put = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => call({ method: 'PUT', path, body, headers });

async function errorCode(res: Response): Promise<string | undefined> {
  return xmlValues(await res.text(), 'Code')[0];
}

beforeAll(async () => {
  s3 = await startS3Cluster({ DFS_S3_ANONYMOUS_READ: 'public' }, 1);
  endpoint = s3.s3Url(s3.leader);
  for (const bucket of ['list', 'objects', 'public']) expect((await call({ method: 'PUT', path: `/${bucket}` })).status).toBe(200);
});
afterAll(() => s3?.cluster.stop());

describe('listing', () => {
  const keys = ['a.txt', 'dir/sub/z', 'dir/x', 'dir/y', 'emoji/😀.txt', 'z&<>.txt', 'é/unicode ü.txt'];

  beforeAll(async () => {
    for (const key of keys) expect((await put(`/list/${key}`, key)).status).toBe(200);
  });

  async function list(query: Record<string, string>): Promise<string> {
    const res = await call({ path: '/list', query });
    expect(res.status).toBe(200);
    return res.text();
  }

  it('ListObjectsV2 lists every key in order, with its size, ETag (the MD5) and time', async () => {
    const xml = await list({ 'list-type': '2' });
    expect(xmlValues(xml, 'Key')).toEqual([...keys].sort());
    expect(xmlValues(xml, 'KeyCount')).toEqual([String(keys.length)]);
    expect(xmlValues(xml, 'IsTruncated')).toEqual(['false']);
    const first = xml.slice(xml.indexOf('<Contents>'), xml.indexOf('</Contents>'));
    expect(xmlValues(first, 'ETag')).toEqual([`"${createHash('md5').update('a.txt').digest('hex')}"`]);
    expect(xmlValues(first, 'Size')).toEqual(['5']);
  });

  it('with a delimiter, rolls folders up into common prefixes (unicode ones too)', async () => {
    const root = await list({ 'list-type': '2', delimiter: '/' });
    expect(xmlValues(root, 'Key')).toEqual(['a.txt', 'z&<>.txt']);
    expect(xmlValues(root, 'Prefix').slice(1)).toEqual(['dir/', 'emoji/', 'é/']);
    const dir = await list({ 'list-type': '2', delimiter: '/', prefix: 'dir/' });
    expect(xmlValues(dir, 'Key')).toEqual(['dir/x', 'dir/y']);
    expect(xmlValues(dir, 'Prefix')).toEqual(['dir/', 'dir/sub/']);
  });

  it('pages with max-keys and continuation tokens, each entry once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const xml = await list({ 'list-type': '2', delimiter: '/', 'max-keys': '2', ...(token !== undefined && { 'continuation-token': token }) });
      const entries = [...xmlValues(xml, 'Key'), ...xmlValues(xml, 'Prefix').slice(1)];
      expect(entries.length).toBeLessThanOrEqual(2);
      seen.push(...entries);
      token = xmlValues(xml, 'NextContinuationToken')[0];
      expect(xmlValues(xml, 'IsTruncated')).toEqual([token !== undefined ? 'true' : 'false']);
      pages += 1;
    } while (token !== undefined);
    expect(seen.sort()).toEqual(['a.txt', 'dir/', 'emoji/', 'z&<>.txt', 'é/']);
    expect(pages).toBe(3);
  });

  it('start-after, max-keys=0, and a bad continuation token', async () => {
    expect(xmlValues(await list({ 'list-type': '2', 'start-after': 'dir/y' }), 'Key')).toEqual(['emoji/😀.txt', 'z&<>.txt', 'é/unicode ü.txt']);
    const none = await list({ 'list-type': '2', 'max-keys': '0' });
    expect(xmlValues(none, 'KeyCount')).toEqual(['0']);
    const bad = await call({ path: '/list', query: { 'list-type': '2', 'continuation-token': 'bm9wZQ' } });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('InvalidArgument');
  });

  it('encoding-type=url encodes keys and prefixes (the AWS CLI asks for it)', async () => {
    const xml = await list({ 'list-type': '2', 'encoding-type': 'url', prefix: 'é/' });
    expect(xmlValues(xml, 'Key')).toEqual(['%C3%A9/unicode%20%C3%BC.txt']);
    expect(xmlValues(xml, 'EncodingType')).toEqual(['url']);
  });

  it('ListObjects v1 pages with markers; NextMarker comes with a delimiter', async () => {
    const first = await list({ 'max-keys': '3' });
    expect(xmlValues(first, 'Key')).toEqual(['a.txt', 'dir/sub/z', 'dir/x']);
    expect(xmlValues(first, 'IsTruncated')).toEqual(['true']);
    const second = await list({ 'max-keys': '3', marker: 'dir/x' });
    expect(xmlValues(second, 'Key')).toEqual(['dir/y', 'emoji/😀.txt', 'z&<>.txt']);
    const grouped = await list({ delimiter: '/', 'max-keys': '2' });
    expect(xmlValues(grouped, 'NextMarker')).toEqual(['dir/']);
    const rest = await list({ delimiter: '/', marker: 'dir/' });
    expect(xmlValues(rest, 'Key')).toEqual(['z&<>.txt']);
    expect(xmlValues(rest, 'Prefix').slice(1)).toEqual(['emoji/', 'é/']);
  });
});

describe('errors are S3 XML documents with S3 codes', () => {
  it('NoSuchBucket, NoSuchKey, InvalidBucketName, BucketNotEmpty, BucketAlreadyOwnedByYou', async () => {
    const cases: [SignedRequest, number, string][] = [
      [{ path: '/nobucket/key' }, 404, 'NoSuchBucket'],
      [{ path: '/objects/missing' }, 404, 'NoSuchKey'],
      [{ method: 'PUT', path: '/Bad_Name' }, 400, 'InvalidBucketName'],
      [{ method: 'PUT', path: '/status' }, 400, 'InvalidBucketName'],
      [{ method: 'DELETE', path: '/list' }, 409, 'BucketNotEmpty'],
      [{ method: 'PUT', path: '/list' }, 409, 'BucketAlreadyOwnedByYou'],
      [{ path: '/list', query: { acl: '' } }, 501, 'NotImplemented'],
    ];
    for (const [request, status, code] of cases) {
      const res = await call(request);
      expect([res.status, await errorCode(res)], `${request.method ?? 'GET'} ${request.path}`).toEqual([status, code]);
      expect(res.headers.get('content-type')).toBe('application/xml');
    }
  });

  it('unsigned, unknown key, wrong secret', async () => {
    const unsigned = await fetch(`${endpoint}/objects`);
    expect([unsigned.status, await errorCode(unsigned)]).toEqual([403, 'AccessDenied']);
    const wrong = await call({ path: '/objects', secret: 'wrong-secret' });
    expect([wrong.status, await errorCode(wrong)]).toEqual([403, 'SignatureDoesNotMatch']);
    const unknownKey = await fetch(`${endpoint}/objects`, {
      headers: { 'x-amz-date': '20130524T000000Z', authorization: 'AWS4-HMAC-SHA256 Credential=NOBODY/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' },
    });
    expect([unknownKey.status, await errorCode(unknownKey)]).toEqual([403, 'InvalidAccessKeyId']);
  });

  it('an empty bucket is deleted; then it is gone', async () => {
    expect((await call({ method: 'PUT', path: '/scratch' })).status).toBe(200);
    expect((await call({ method: 'HEAD', path: '/scratch' })).status).toBe(200);
    expect((await call({ method: 'DELETE', path: '/scratch' })).status).toBe(204);
    expect((await call({ method: 'HEAD', path: '/scratch' })).status).toBe(404);
  });
});

describe('objects', () => {
  it('stores and returns Content-Type, Content-Disposition, Cache-Control and x-amz-meta-*', async () => {
    const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': 'inline', 'cache-control': 'max-age=60', 'x-amz-meta-owner': 'Ada' };
    expect((await put('/objects/meta.txt', 'with metadata', headers)).status).toBe(200);
    for (const method of ['GET', 'HEAD']) {
      const res = await call({ method, path: '/objects/meta.txt' });
      expect(res.status).toBe(200);
      for (const [k, v] of Object.entries(headers)) expect(res.headers.get(k), `${method} ${k}`).toBe(v);
      expect(res.headers.get('content-length')).toBe('13');
    }
  });

  it('Range answers 206 with Content-Range; past the end is InvalidRange', async () => {
    await put('/objects/digits', '0123456789');
    const part = await call({ path: '/objects/digits', headers: { range: 'bytes=2-5' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, 'bytes 2-5/10', '2345']);
    const tail = await call({ path: '/objects/digits', headers: { range: 'bytes=-3' } });
    expect(await tail.text()).toBe('789');
    const past = await call({ path: '/objects/digits', headers: { range: 'bytes=20-' } });
    expect([past.status, await errorCode(past)]).toEqual([416, 'InvalidRange']);
  });

  it('If-None-Match and If-Modified-Since answer 304; If-Match and If-Unmodified-Since 412', async () => {
    const head = await call({ method: 'HEAD', path: '/objects/digits' });
    const etag = head.headers.get('etag') as string;
    const modified = head.headers.get('last-modified') as string;
    expect(etag).toBe(`"${createHash('md5').update('0123456789').digest('hex')}"`);
    expect((await call({ path: '/objects/digits', headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await call({ path: '/objects/digits', headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await call({ path: '/objects/digits', headers: { 'if-modified-since': modified } })).status).toBe(304);
    expect((await call({ path: '/objects/digits', headers: { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } })).status).toBe(200);
    const ifMatch = await call({ path: '/objects/digits', headers: { 'if-match': '"other"' } });
    expect([ifMatch.status, await errorCode(ifMatch)]).toEqual([412, 'PreconditionFailed']);
    expect((await call({ path: '/objects/digits', headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } })).status).toBe(412);
  });

  it('a body that does not match its Content-MD5 or x-amz-content-sha256 is refused and not stored', async () => {
    const wrongMd5 = await put('/objects/digest', 'payload', { 'content-md5': createHash('md5').update('other').digest('base64') });
    expect([wrongMd5.status, await errorCode(wrongMd5)]).toEqual([400, 'BadDigest']);
    const url = new URL(s3Target(endpoint, '/objects/digest'));
    const lying = await fetch(url, { method: 'PUT', body: 'payload', headers: await lyingHeaders(url, 'payload') });
    expect([lying.status, await errorCode(lying)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect((await call({ path: '/objects/digest' })).status).toBe(404);
    const right = await put('/objects/digest', 'payload', { 'content-md5': createHash('md5').update('payload').digest('base64') });
    expect(right.status).toBe(200);
  });

  it('CopyObject keeps or replaces the metadata', async () => {
    await put('/objects/original', 'copy me', { 'content-type': 'text/x-original', 'x-amz-meta-a': '1' });
    const copy = await call({ method: 'PUT', path: '/objects/copy', headers: { 'x-amz-copy-source': '/objects/original' } });
    expect(copy.status).toBe(200);
    expect(xmlValues(await copy.text(), 'ETag')).toEqual([`"${createHash('md5').update('copy me').digest('hex')}"`]);
    const copied = await call({ path: '/objects/copy' });
    expect([await copied.text(), copied.headers.get('content-type'), copied.headers.get('x-amz-meta-a')]).toEqual(['copy me', 'text/x-original', '1']);
    await call({ method: 'PUT', path: '/objects/replaced', headers: { 'x-amz-copy-source': '/objects/original', 'x-amz-metadata-directive': 'REPLACE', 'content-type': 'text/x-new' } });
    const replaced = await call({ method: 'HEAD', path: '/objects/replaced' });
    expect([replaced.headers.get('content-type'), replaced.headers.get('x-amz-meta-a')]).toEqual(['text/x-new', null]);
    // A node API file has no MD5 to share: its copy gets one computed from its bytes.
    expect((await fetch(`${s3.leader.url}/files/objects/from-api`, { method: 'PUT', body: 'written by the node API' })).status).toBe(201);
    const fromApi = await call({ method: 'PUT', path: '/objects/api-copy', headers: { 'x-amz-copy-source': '/objects/from-api' } });
    expect(xmlValues(await fromApi.text(), 'ETag')).toEqual([`"${createHash('md5').update('written by the node API').digest('hex')}"`]);
    expect(await (await call({ path: '/objects/api-copy' })).text()).toBe('written by the node API');
    const missing = await call({ method: 'PUT', path: '/objects/x', headers: { 'x-amz-copy-source': '/objects/none' } });
    expect(await errorCode(missing)).toBe('NoSuchKey');
  });

  it('DeleteObjects deletes a batch, absent keys included, and reports each', async () => {
    for (const key of ['b1', 'b2', 'b3']) await put(`/objects/batch/${key}`, key);
    const body = '<Delete><Object><Key>batch/b1</Key></Object><Object><Key>batch/b2</Key></Object><Object><Key>batch/never</Key></Object></Delete>';
    const res = await call({ method: 'POST', path: '/objects', query: { delete: '' }, body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
    expect(res.status).toBe(200);
    expect(xmlValues(await res.text(), 'Key')).toEqual(['batch/b1', 'batch/b2', 'batch/never']);
    const left = await call({ path: '/objects', query: { 'list-type': '2', prefix: 'batch/' } });
    expect(xmlValues(await left.text(), 'Key')).toEqual(['batch/b3']);
    const malformed = await call({ method: 'POST', path: '/objects', query: { delete: '' }, body: '<Delete><Object>' });
    expect(await errorCode(malformed)).toBe('MalformedXML');
  });

  it('the node API and S3 see one file', async () => {
    const viaApi = await fetch(`${s3.leader.url}/files/objects/meta.txt`);
    expect(await viaApi.text()).toBe('with metadata');
  });
});

/** Headers that sign a payload hash other than the body's. */
async function lyingHeaders(url: URL, body: string): Promise<Record<string, string>> {
  const claimed = createHash('sha256').update(`${body}!`).digest('hex');
  return signedHeaders(url, 'PUT', claimed, {});
}

function signedHeaders(url: URL, method: string, payload: string, extra: Record<string, string>): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { ...extra, host: url.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payload };
  const names = Object.keys(headers).sort();
  const canonical = [method, url.pathname, url.search.slice(1), names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), payload].join('\n');
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = signingKey(SECRET_KEY, { accessKey: ACCESS_KEY, date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' });
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...rest } = headers;
  return { ...rest, authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

describe('streaming uploads (aws-chunked, as minio-go and restic send them)', () => {
  it('decodes and verifies each chunk signature; a tampered chunk stores nothing', async () => {
    const url = new URL(s3Target(endpoint, '/objects/streamed.bin'));
    const data = Buffer.alloc(200_000, 7);
    const build = (tamper: boolean) => {
      const headers = signedHeaders(url, 'PUT', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) });
      const auth = headers.authorization as string;
      const amzDate = headers['x-amz-date'] as string;
      const key = signingKey(SECRET_KEY, { accessKey: ACCESS_KEY, date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' });
      let previous = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] as string;
      const pieces: Buffer[] = [];
      for (const chunk of [data.subarray(0, 65_536), data.subarray(65_536, 131_072), data.subarray(131_072), Buffer.alloc(0)]) {
        const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`, previous, EMPTY_SHA256, createHash('sha256').update(chunk).digest('hex')].join('\n');
        previous = createHmac('sha256', key).update(toSign).digest('hex');
        const sent = tamper && chunk.length > 0 && pieces.length === 1 ? Buffer.alloc(chunk.length, 8) : chunk;
        pieces.push(Buffer.concat([Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from('\r\n')]));
      }
      return { headers, body: Buffer.concat(pieces) };
    };
    const good = build(false);
    const res = await fetch(url, { method: 'PUT', headers: good.headers, body: good.body });
    expect(res.status).toBe(200);
    const back = Buffer.from(await (await call({ path: '/objects/streamed.bin' })).arrayBuffer());
    expect(back.equals(data)).toBe(true);

    await call({ method: 'DELETE', path: '/objects/streamed.bin' });
    const bad = build(true);
    const refused = await fetch(url, { method: 'PUT', headers: bad.headers, body: bad.body });
    expect([refused.status, await errorCode(refused)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect((await call({ method: 'HEAD', path: '/objects/streamed.bin' })).status).toBe(404);
  });
});

describe('multipart upload', () => {
  const partOne = Buffer.alloc(5 * 1024 * 1024, 1);
  const partTwo = Buffer.from('the last part may be small');

  async function create(key: string): Promise<string> {
    const res = await call({ method: 'POST', path: `/objects/${key}`, query: { uploads: '' }, headers: { 'content-type': 'application/x-parts' } });
    expect(res.status).toBe(200);
    return xmlValues(await res.text(), 'UploadId')[0] as string;
  }

  async function upload(key: string, uploadId: string, part: number, body: Buffer): Promise<string> {
    const res = await call({ method: 'PUT', path: `/objects/${key}`, query: { partNumber: String(part), uploadId }, body });
    expect(res.status).toBe(200);
    return res.headers.get('etag') as string;
  }

  const completion = (parts: [number, string][]) =>
    `<CompleteMultipartUpload>${parts.map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;

  it('create, upload parts, list them, complete: md5-of-md5s-N, the object whole', async () => {
    const uploadId = await create('assembled.bin');
    const etags = [await upload('assembled.bin', uploadId, 1, partOne), await upload('assembled.bin', uploadId, 2, partTwo)];
    const parts = await call({ path: '/objects/assembled.bin', query: { uploadId } });
    expect(xmlValues(await parts.text(), 'PartNumber')).toEqual(['1', '2']);
    const uploads = await call({ path: '/objects', query: { uploads: '' } });
    expect(xmlValues(await uploads.text(), 'UploadId')).toContain(uploadId);

    const wrong = await call({ method: 'POST', path: '/objects/assembled.bin', query: { uploadId }, body: completion([[1, etags[0] as string], [2, '"0123"']]) });
    expect(await errorCode(wrong)).toBe('InvalidPart');
    const outOfOrder = await call({ method: 'POST', path: '/objects/assembled.bin', query: { uploadId }, body: completion([[2, etags[1] as string], [1, etags[0] as string]]) });
    expect(await errorCode(outOfOrder)).toBe('InvalidPartOrder');

    const done = await call({ method: 'POST', path: '/objects/assembled.bin', query: { uploadId }, body: completion([[1, etags[0] as string], [2, etags[1] as string]]) });
    expect(done.status).toBe(200);
    const md5s = Buffer.concat([partOne, partTwo].map((p) => createHash('md5').update(p).digest()));
    const expected = `"${createHash('md5').update(md5s).digest('hex')}-2"`;
    expect(xmlValues(await done.text(), 'ETag')).toEqual([expected]);
    const object = await call({ path: '/objects/assembled.bin' });
    expect([object.headers.get('etag'), object.headers.get('content-type')]).toEqual([expected, 'application/x-parts']);
    expect(Buffer.from(await object.arrayBuffer()).equals(Buffer.concat([partOne, partTwo]))).toBe(true);
    // The parts are gone, and so is the upload.
    expect(await errorCode(await call({ path: '/objects/assembled.bin', query: { uploadId } }))).toBe('NoSuchUpload');
    const staged = await (await fetch(`${s3.leader.url}/files?prefix=.s3/uploads/`)).json();
    expect((staged as { items: unknown[] }).items).toEqual([]);
  });

  it('ListMultipartUploads pages by key-marker and upload-id-marker, two uploads of one key included', async () => {
    const started = [await create('paged/a'), await create('paged/a'), await create('paged/b')];
    const expected = [
      ...started.slice(0, 2).sort().map((id) => `paged/a ${id}`),
      `paged/b ${started[2]}`,
    ];
    const seen: string[] = [];
    let markers: Record<string, string> = {};
    for (let page = 0; page < 5; page++) {
      const text = await (await call({ path: '/objects', query: { uploads: '', prefix: 'paged/', 'max-uploads': '1', ...markers } })).text();
      const [key] = xmlValues(text, 'Key');
      const [id] = xmlValues(text, 'UploadId');
      seen.push(`${key} ${id}`);
      if (xmlValues(text, 'IsTruncated')[0] !== 'true') break;
      markers = { 'key-marker': xmlValues(text, 'NextKeyMarker')[0] as string, 'upload-id-marker': xmlValues(text, 'NextUploadIdMarker')[0] as string };
    }
    expect(seen).toEqual(expected);
    // A key-marker alone skips every upload of that key.
    const afterA = await (await call({ path: '/objects', query: { uploads: '', prefix: 'paged/', 'key-marker': 'paged/a' } })).text();
    expect(xmlValues(afterA, 'UploadId')).toEqual([started[2]]);
    for (const [i, id] of started.entries()) {
      expect((await call({ method: 'DELETE', path: `/objects/paged/${i < 2 ? 'a' : 'b'}`, query: { uploadId: id } })).status).toBe(204);
    }
  });

  it('abort removes the parts; a small part before the last is EntityTooSmall', async () => {
    const uploadId = await create('aborted.bin');
    const small = await upload('aborted.bin', uploadId, 1, partTwo);
    const last = await upload('aborted.bin', uploadId, 2, partTwo);
    const tooSmall = await call({ method: 'POST', path: '/objects/aborted.bin', query: { uploadId }, body: completion([[1, small], [2, last]]) });
    expect(await errorCode(tooSmall)).toBe('EntityTooSmall');
    expect((await call({ method: 'DELETE', path: '/objects/aborted.bin', query: { uploadId } })).status).toBe(204);
    expect(await errorCode(await call({ method: 'PUT', path: '/objects/aborted.bin', query: { partNumber: '3', uploadId }, body: 'x' }))).toBe('NoSuchUpload');
    expect((await call({ method: 'HEAD', path: '/objects/aborted.bin' })).status).toBe(404);
  });
});

describe('anonymous reads', () => {
  it('an unsigned GET works on a bucket opened to it; an unsigned write never does', async () => {
    await put('/public/page.html', '<p>public</p>');
    const open = await fetch(`${endpoint}/public/page.html`);
    expect([open.status, await open.text()]).toEqual([200, '<p>public</p>']);
    const write = await fetch(`${endpoint}/public/page.html`, { method: 'PUT', body: 'defaced' });
    expect([write.status, await errorCode(write)]).toEqual([403, 'AccessDenied']);
    expect((await fetch(`${endpoint}/objects/digits`)).status).toBe(403);
  });
});

describe('abandoned multipart uploads', () => {
  it('are removed by the sweeper once older than DFS_S3_UPLOAD_EXPIRY_MS, and their chunks then by garbage collection on every node', async () => {
    const short = await startS3Cluster({ DFS_S3_UPLOAD_EXPIRY_MS: '3000', DFS_S3_UPLOAD_SWEEP_MS: '200', DFS_GC_INTERVAL_MS: '300', DFS_GC_GRACE_MS: '1000' });
    try {
      const at = short.s3Url(short.leader);
      expect((await signedFetch(at, { method: 'PUT', path: '/tmp' })).status).toBe(200);
      const created = await signedFetch(at, { method: 'POST', path: '/tmp/left.bin', query: { uploads: '' } });
      const uploadId = xmlValues(await created.text(), 'UploadId')[0] as string;
      // Larger than inlineMaxBytes, so the part lives in chunks on every node, not inside its entry.
      expect((await signedFetch(at, { method: 'PUT', path: '/tmp/left.bin', query: { partNumber: '1', uploadId }, body: randomBytes(300_000) })).status).toBe(200);
      expect(await chunkCount(short.leader)).toBeGreaterThan(0);
      await waitFor('the abandoned upload to be swept', async () => {
        const staged = (await (await fetch(`${short.leader.url}/files?prefix=.s3/uploads/`)).json()) as { items: unknown[] };
        return staged.items.length === 0;
      });
      const parts = await signedFetch(at, { path: '/tmp/left.bin', query: { uploadId } });
      expect(await errorCode(parts)).toBe('NoSuchUpload');
      for (const node of short.cluster.nodes) await waitFor(`node ${node.id} to collect the part's chunks`, async () => (await chunkCount(node)) === 0);
    } finally {
      await short.cluster.stop();
    }
  });
});

describe("the cluster's own limits, as S3 errors", () => {
  it('a lock taken through the node API blocks an S3 write with Locked (423)', async () => {
    await put('/objects/locked.txt', 'v1');
    const lock = await fetch(`${s3.leader.url}/locks/objects/locked.txt`, { method: 'POST', body: JSON.stringify({ owner: 'editor', ttlMs: 60_000 }) });
    expect(lock.status).toBe(201);
    const blocked = await put('/objects/locked.txt', 'v2');
    expect([blocked.status, await errorCode(blocked)]).toEqual([423, 'Locked']);
    expect(await (await call({ path: '/objects/locked.txt' })).text()).toBe('v1');
  });

  it('over the quota is QuotaExceeded, over the whole quota EntityTooLarge; nothing is stored', async () => {
    expect((await put('/objects/filler.bin', Buffer.alloc(1_000_000))).status).toBe(200);
    const used = ((await (await fetch(`${s3.leader.url}/stats`)).json()) as { totalSize: number }).totalSize;
    const setQuota = (storageQuota: number) => fetch(`${s3.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ storageQuota }) });
    expect((await setQuota(used + 1_000_000)).status).toBe(200);
    try {
      const over = await put('/objects/over.bin', Buffer.alloc(1_500_000));
      const overText = await over.text();
      expect([over.status, xmlValues(overText, 'Code')[0]], overText).toEqual([403, 'QuotaExceeded']);
      const huge = await put('/objects/huge.bin', Buffer.alloc(used + 2_000_000));
      expect([huge.status, await errorCode(huge)]).toEqual([400, 'EntityTooLarge']);
      expect((await call({ method: 'HEAD', path: '/objects/over.bin' })).status).toBe(404);
    } finally {
      await setQuota(10 * 1024 ** 3);
    }
  });

  it('a write that would eat into the disk reserve is ServiceUnavailable (503, which clients retry); nothing is stored', async () => {
    const setReserve = (diskReserveBytes: number) => fetch(`${s3.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ diskReserveBytes }) });
    expect((await setReserve(Number.MAX_SAFE_INTEGER)).status).toBe(200);
    try {
      const refused = await put('/objects/no-room.bin', Buffer.alloc(100_000));
      expect([refused.status, await errorCode(refused)]).toEqual([503, 'ServiceUnavailable']);
      expect((await call({ method: 'HEAD', path: '/objects/no-room.bin' })).status).toBe(404);
    } finally {
      await setReserve(256 * 1024 * 1024);
    }
    expect((await put('/objects/no-room.bin', Buffer.alloc(100_000))).status).toBe(200);
  });
});

describe('a body that stops arriving or trickles in', () => {
  /** A signed PutObject of 1,000 bytes: `first` sent at once, then a byte every `dripMs` (never, with 0); resolves with the raw answer. */
  const slowPut = (key: string, first: string, dripMs: number) => {
    const url = new URL(s3Target(endpoint, `/objects/${key}`));
    const headers = signedHeaders(url, 'PUT', 'UNSIGNED-PAYLOAD', { 'content-length': '1000' });
    const lines = Object.entries({ ...headers, host: url.host }).map(([k, v]) => `${k}: ${v}`);
    return slowRequest(Number(url.port), `PUT ${url.pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, { first, dripMs });
  };

  it.each([
    ['stalls', 'stalled.bin', 0],
    ['trickles a byte every 200 ms (never idle for the whole timeout)', 'trickled.bin', 200],
  ])('one that %s is answered RequestTimeout after bodyIdleTimeoutMs, and nothing is stored', async (_what, key, dripMs) => {
    const setIdle = (ms: number) => fetch(`${s3.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bodyIdleTimeoutMs: ms }) });
    expect((await setIdle(1_000)).status).toBe(200);
    try {
      const started = Date.now();
      const answer = await slowPut(key, 'x'.repeat(100), dripMs);
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain('<Code>RequestTimeout</Code>');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await call({ method: 'HEAD', path: `/objects/${key}` })).status).toBe(404);
    } finally {
      await setIdle(30_000);
    }
  });
});

describe("the node's request limits on the S3 port", () => {
  const setNode = (patch: object) => fetch(`${s3.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
  const port = () => Number(new URL(endpoint).port);

  it('requestTimeoutMs cuts a request that keeps arriving too long: RequestTimeout naming the setting, nothing stored', async () => {
    expect((await setNode({ requestTimeoutMs: 2_000 })).status).toBe(200);
    try {
      const url = new URL(s3Target(endpoint, '/objects/long.bin'));
      const headers = signedHeaders(url, 'PUT', 'UNSIGNED-PAYLOAD', { 'content-length': '100000' });
      const lines = Object.entries({ ...headers, host: url.host }).map(([k, v]) => `${k}: ${v}`);
      // 2 KiB every 200 ms: never slow enough for bodyIdleTimeoutMs, never done before 2 s.
      const answer = await slowRequest(port(), `PUT ${url.pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, { dripMs: 200, dripBytes: 2048 });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('<Code>RequestTimeout</Code>');
      expect(answer).toContain('requestTimeoutMs');
      expect((await call({ method: 'HEAD', path: '/objects/long.bin' })).status).toBe(404);
    } finally {
      await setNode({ requestTimeoutMs: 300_000 });
    }
  });

  it('maxHeaderBytes bounds the request head, live for new connections', async () => {
    const withPadding = (bytes: number) => slowRequest(port(), `GET /objects HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'a'.repeat(bytes)}\r\n\r\n`);
    expect(await withPadding(3_000)).toMatch(/^HTTP\/1\.1 403 /);
    expect((await setNode({ maxHeaderBytes: 2_048 })).status).toBe(200);
    try {
      const refused = await withPadding(3_000);
      expect(refused).toMatch(/^HTTP\/1\.1 400 /);
      expect(refused).toContain('maxHeaderBytes');
    } finally {
      await setNode({ maxHeaderBytes: 16_384 });
    }
    expect(await withPadding(3_000)).toMatch(/^HTTP\/1\.1 403 /);
  });
});

describe('uploads past maxConcurrentUploads', () => {
  it('are answered SlowDown (503) before their body is read; the slot comes back after', async () => {
    const setMax = (n: number) => fetch(`${s3.leader.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxConcurrentUploads: n }) });
    expect((await setMax(1)).status).toBe(200);
    try {
      const url = new URL(s3Target(endpoint, '/objects/slow.bin'));
      const headers = signedHeaders(url, 'PUT', 'UNSIGNED-PAYLOAD', { 'content-length': '200' });
      const socket = net.connect(Number(url.port), url.hostname);
      let answer = '';
      socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
      // "100 Continue" comes back once the endpoint took the request (and its slot, in the same tick).
      const lines = Object.entries({ ...headers, host: url.host, expect: '100-continue' }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`PUT ${url.pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      await waitFor('the first upload to be taken', () => answer.startsWith('HTTP/1.1 100'));
      socket.write('a'.repeat(100));
      const second = await put('/objects/second.bin', 'refused while the first one runs');
      expect([second.status, second.headers.get('retry-after'), await errorCode(second)]).toEqual([503, '1', 'SlowDown']);
      socket.write('b'.repeat(100));
      await waitFor('the first upload to finish', () => answer.includes('HTTP/1.1 200'));
      socket.end();
      expect((await put('/objects/second.bin', 'taken now')).status).toBe(200);
    } finally {
      await setMax(64);
    }
  });
});
