// S3 against the node API on one real 3-node cluster (issue #17), in the same run:
//  - large objects: PUT and GET of 64 MiB files through the leader, S3 PutObject/GetObject
//    interleaved file by file with the node API's PUT/GET /files/<name> (ratio S3 / node API;
//    target ≥ 0.9). S3 requests are presigned (UNSIGNED-PAYLOAD), so the client hashes nothing,
//    as with the node API; the S3 side still computes the MD5 ETag the node API does not.
//  - multipart: the same bytes as 8 MiB parts + Complete (what `aws s3 cp` does above 8 MiB),
//    one part at a time and four at a time.
//  - listing: BENCH_S3_KEYS keys (default 100,000) in one folder beside 100 sub-folders, paged
//    with ListObjectsV2, delimiter "/", max-keys 1000, through a follower; p50/p99 ms per page
//    (target p99 ≤ 50 ms: MinIO, the peer the issue names, is not installable here).
// Prints one JSON line.
//
//   npx tsx bench/s3-throughput.ts          BENCH_FILES=<n> (default 3), BENCH_S3_KEYS=<n>
import { createHmac } from 'node:crypto';
import { BENCH_S3, startDfs, type BenchNode } from './support/dfs';
import { closeClients, httpDrain, httpSend, MiB, percentile, pseudoRandom, round } from './support/load';
import { canonicalRequest, signingKey, stringToSign, uriEncode } from '../node-runtime/s3/sigv4';

const FILE_BYTES = 64 * MiB;
const PART_BYTES = 8 * MiB;
const FILES = Math.max(1, Number(process.env.BENCH_FILES ?? 3));
const KEYS = Math.max(1_000, Number(process.env.BENCH_S3_KEYS ?? 100_000));

/** A presigned URL (query-string SigV4, UNSIGNED-PAYLOAD), valid for an hour. */
function presign(endpoint: string, method: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(endpoint);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const credential = { accessKey: BENCH_S3.accessKey, date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' };
  const params: Record<string, string> = {
    ...query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${BENCH_S3.accessKey}/${credential.date}/us-east-1/s3/aws4_request`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': '3600',
    'X-Amz-SignedHeaders': 'host',
  };
  const rawQuery = Object.entries(params).map(([k, v]) => `${uriEncode(k, false)}=${uriEncode(v, false)}`).join('&');
  const rawPath = uriEncode(path, true);
  const canonical = canonicalRequest({ method, rawPath, rawQuery, headers: new Map([['host', [url.host]]]) }, ['host'], 'UNSIGNED-PAYLOAD');
  const signature = createHmac('sha256', signingKey(BENCH_S3.secretKey, credential)).update(stringToSign(amzDate, credential, canonical)).digest('hex');
  return `${endpoint}${rawPath}?${rawQuery}&X-Amz-Signature=${signature}`;
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

function ok(what: string, expected: number[]) {
  return ({ status, text }: { status: number; text: string }): void => {
    if (!expected.includes(status)) throw new Error(`${what} answered ${status}: ${text.slice(0, 300)}`);
  };
}

/**
 * A multipart upload of `data` in 8 MiB parts, `inFlight` parts at a time (the AWS CLI sends up to
 * 10 at once; 1 is the slowest way), then Complete. Each part's ETag comes from its answer, as SDKs
 * take it, so the client hashes nothing, as with the node API.
 */
async function multipartPut(s3Url: string, key: string, data: Buffer, inFlight: number): Promise<void> {
  const created = await httpSend(presign(s3Url, 'POST', `/bench/${key}`, { uploads: '' }), 'POST', Buffer.alloc(0));
  ok('CreateMultipartUpload', [200])(created);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)?.[1] as string;
  const count = Math.ceil(data.length / PART_BYTES);
  const etags: string[] = new Array<string>(count);
  let next = 0;
  const sender = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const answer = await httpSend(presign(s3Url, 'PUT', `/bench/${key}`, { partNumber: String(i + 1), uploadId }), 'PUT', data.subarray(i * PART_BYTES, (i + 1) * PART_BYTES));
      ok('UploadPart', [200])(answer);
      etags[i] = String(answer.headers.etag);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  const body = Buffer.from(`<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
  ok('CompleteMultipartUpload', [200])(await httpSend(presign(s3Url, 'POST', `/bench/${key}`, { uploadId }), 'POST', body));
}

async function largeObjects(leader: BenchNode): Promise<object> {
  const s3Url = leader.s3Url as string;
  ok('CreateBucket', [200])(await httpSend(presign(s3Url, 'PUT', '/bench'), 'PUT', Buffer.alloc(0)));
  const warm = pseudoRandom('warm', 4 * MiB);
  await httpSend(`${leader.url}/files/bench/warm`, 'PUT', warm);
  await httpSend(presign(s3Url, 'PUT', '/bench/warm-s3'), 'PUT', warm);
  const t: Record<string, number[]> = { api_put: [], s3_put: [], s3_multipart_put: [], s3_multipart_put_4: [], api_get: [], s3_get: [] };
  const run = Date.now();
  for (let i = 0; i < FILES; i++) {
    const api = pseudoRandom(`${run}-api-${i}`, FILE_BYTES);
    const s3 = pseudoRandom(`${run}-s3-${i}`, FILE_BYTES);
    const parts = pseudoRandom(`${run}-mp-${i}`, FILE_BYTES);
    t.api_put?.push(await timed(async () => ok('node API PUT', [201])(await httpSend(`${leader.url}/files/bench/api-${i}`, 'PUT', api))));
    t.s3_put?.push(await timed(async () => ok('PutObject', [200])(await httpSend(presign(s3Url, 'PUT', `/bench/s3-${i}`), 'PUT', s3))));
    t.s3_multipart_put?.push(await timed(() => multipartPut(s3Url, `mp-${i}`, parts, 1)));
    t.s3_multipart_put_4?.push(await timed(() => multipartPut(s3Url, `mp4-${i}`, parts, 4)));
    t.api_get?.push(await timed(() => httpDrain(`${leader.url}/files/bench/api-${i}`)));
    t.s3_get?.push(await timed(() => httpDrain(presign(s3Url, 'GET', `/bench/s3-${i}`))));
  }
  const mibPerSec = (key: string) => round((FILES * FILE_BYTES) / MiB / (t[key] ?? []).reduce((a, b) => a + b, 0));
  const rates = Object.fromEntries(Object.keys(t).map((k) => [k, mibPerSec(k)]));
  return {
    fileMiB: FILE_BYTES / MiB,
    files: FILES,
    mibPerSec: rates,
    ratioPut: round((rates.s3_put as number) / (rates.api_put as number), 2),
    ratioMultipartPut: round((rates.s3_multipart_put as number) / (rates.api_put as number), 2),
    ratioMultipartPut4: round((rates.s3_multipart_put_4 as number) / (rates.api_put as number), 2),
    ratioGet: round((rates.s3_get as number) / (rates.api_get as number), 2),
  };
}

async function listing(leader: BenchNode, follower: BenchNode): Promise<object> {
  const s3Url = leader.s3Url as string;
  ok('CreateBucket', [200])(await httpSend(presign(s3Url, 'PUT', '/listing'), 'PUT', Buffer.alloc(0)));
  const names = [...Array.from({ length: KEYS }, (_, i) => `flat/key-${String(i).padStart(7, '0')}`), ...Array.from({ length: 100 }, (_, i) => `flat/dir-${i}/inner`)];
  const fillStarted = performance.now();
  // The keys go in through the node API (32 at a time): the bench measures listing, not writing.
  // A loaded machine may move leadership meanwhile: a refused write goes again to the new leader.
  let next = 0;
  let target = leader.url;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < names.length) {
        const name = names[next++] as string;
        for (let attempt = 1; ; attempt += 1) {
          const res = await fetch(`${target}/files/listing/${name}`, { method: 'PUT', body: 'x' }).catch(() => null);
          if (res?.status === 201) break;
          if (attempt === 20) throw new Error(`PUT ${name} answered ${res?.status ?? 'nothing'}: ${await res?.text()}`);
          const view = (await (await fetch(`${follower.url}/leader`)).json()) as { leaderUrl: string | null };
          target = view.leaderUrl ?? target;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    }),
  );
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  const pages: number[] = [];
  let token: string | undefined;
  let entries = 0;
  const follow = follower.s3Url as string;
  do {
    const query: Record<string, string> = { 'list-type': '2', prefix: 'flat/', delimiter: '/', 'max-keys': '1000', ...(token !== undefined && { 'continuation-token': token }) };
    const t0 = performance.now();
    const res = await fetch(presign(follow, 'GET', '/listing', query));
    const xml = await res.text();
    pages.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`ListObjectsV2 answered ${res.status}: ${xml.slice(0, 300)}`);
    entries += (xml.match(/<Key>/g)?.length ?? 0) + (xml.match(/<CommonPrefixes>/g)?.length ?? 0);
    token = /<NextContinuationToken>([^<]+)</.exec(xml)?.[1];
  } while (token !== undefined);
  if (entries !== KEYS + 100) throw new Error(`listed ${entries} entries, expected ${KEYS + 100}`);
  const sorted = [...pages].sort((a, b) => a - b);
  return {
    keys: KEYS,
    fillFilesPerSec: round(names.length / fillSeconds),
    pages: pages.length,
    pageMsP50: round(percentile(sorted, 50), 1),
    pageMsP99: round(percentile(sorted, 99), 1),
    keysPerSec: round(entries / (pages.reduce((a, b) => a + b, 0) / 1000)),
  };
}

async function main(): Promise<void> {
  const dfs = await startDfs(3, { s3: true });
  try {
    const large = await largeObjects(dfs.leader);
    const list = await listing(dfs.leader, dfs.follower);
    console.log(JSON.stringify({ bench: 's3-throughput', large, listing: list }));
  } finally {
    closeClients();
    await dfs.stop();
  }
}

await main();
