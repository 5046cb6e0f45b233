// "Memory per request stays constant": a 2 GiB upload must not raise a node's memory by more than
// 64 MiB. A generated body (pseudo-random, produced as it is sent, never held in memory) streams
// through a follower, which forwards it to the leader, while both nodes' RSS is sampled every
// 100 ms from /proc/<pid>/status. The download is hashed as it arrives and must match, and the
// same memory bound is checked while it streams and until the follower has caught up.
// DFS_MEMORY_TEST_BYTES overrides the size.
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.DFS_MEMORY_TEST_BYTES ?? 2048 * MiB);
const LIMIT = 64 * MiB;
const PIECE = 256 * 1024;

/** `total` pseudo-random bytes (AES-CTR keystream), made piece by piece as the consumer reads; hashed on the way. */
function generatedBody(total: number, seed: string, hash: Hash): Readable {
  const cipher = createCipheriv('aes-128-ctr', createHash('sha256').update(seed).digest().subarray(0, 16), Buffer.alloc(16));
  const zeros = Buffer.alloc(PIECE);
  let sent = 0;
  return new Readable({
    highWaterMark: PIECE,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(PIECE, total - sent);
      const piece = cipher.update(n === PIECE ? zeros : zeros.subarray(0, n));
      hash.update(piece);
      sent += n;
      this.push(piece);
    },
  });
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

/** Samples each node's RSS every 100 ms until stopped; returns the peak per node. */
function sampleRss(nodes: readonly TestNode[]): { stop(): Promise<Map<number, { peak: number; samples: number }>> } {
  const peaks = new Map<number, { peak: number; samples: number }>(nodes.map((n) => [n.id, { peak: 0, samples: 0 }]));
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        nodes.map(async (n) => {
          const rss = await rssBytes(n.process?.pid ?? -1);
          const p = peaks.get(n.id);
          if (p) {
            p.peak = Math.max(p.peak, rss);
            p.samples += 1;
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peaks;
    },
  };
}

/** The median of ten samples over a second: the node's resident memory at rest. */
async function baseline(node: TestNode): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < 10; i++) {
    values.push(await rssBytes(node.process?.pid ?? -1));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  values.sort((a, b) => a - b);
  return values[5] ?? 0;
}

function put(url: string, body: Readable, size: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': size } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

function download(url: string): Promise<{ status: number; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          hash.update(d);
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

describe(`memory per request stays constant (${mib(TOTAL)} through a follower)`, () => {
  let cluster: TestCluster;
  let leader: TestNode;
  let follower: TestNode;

  beforeAll(async () => {
    ({ cluster, leader, follower } = await startWithLeader());
    // Warm both paths (JIT, connection pools, chunk directories) before taking the baseline.
    for (let i = 0; i < 2; i++) {
      const hash = createHash('sha256');
      const warm = await put(`${follower.url}/files/warmup-${i}.bin`, generatedBody(16 * MiB, `warm-${i}`, hash), 16 * MiB);
      expect(warm.status).toBe(201);
      expect((await download(`${leader.url}/files/warmup-${i}.bin`)).sha256).toBe(hash.digest('hex'));
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it(`neither the leader nor the follower grows by more than ${mib(LIMIT)}, and the download hashes the same`, { timeout: 300_000 }, async () => {
    const nodes = [leader, follower];
    const before = new Map(await Promise.all(nodes.map(async (n) => [n.id, await baseline(n)] as const)));

    const hash = createHash('sha256');
    const sampler = sampleRss(nodes);
    const t0 = Date.now();
    const answer = await put(`${follower.url}/files/big.bin`, generatedBody(TOTAL, 'big', hash), TOTAL);
    const uploadMs = Date.now() - t0;
    const uploadPeaks = await sampler.stop();
    const expected = hash.digest('hex');
    expect(answer.status, answer.text).toBe(201);
    expect((JSON.parse(answer.text) as { sha256: string; size: number }).sha256).toBe(expected);

    const downSampler = sampleRss(nodes);
    const t1 = Date.now();
    const got = await download(`${leader.url}/files/big.bin`);
    const downloadMs = Date.now() - t1;
    // The follower fetches the chunks the leader did not push it once the put is applied (catch-up),
    // which may outlast the download: the phase ends when every node holds the file, so a slower
    // catch-up cannot carry its memory past the sampling.
    await waitFor('every node to hold every chunk', async () => {
      for (const n of nodes) if ((await json<{ chunksMissing: number }>(`${n.url}/recovery/status`)).body.chunksMissing !== 0) return false;
      return true;
    }, 120_000, 200);
    const caughtUpMs = Date.now() - t1;
    const downloadPeaks = await downSampler.stop();

    const report = nodes.map((n) => {
      const base = before.get(n.id) ?? 0;
      const up = uploadPeaks.get(n.id) ?? { peak: 0, samples: 0 };
      const down = downloadPeaks.get(n.id) ?? { peak: 0, samples: 0 };
      return { node: n.id, role: n === leader ? 'leader' : 'follower', baseline: base, uploadRise: up.peak - base, uploadSamples: up.samples, downloadRise: down.peak - base, downloadSamples: down.samples };
    });
    console.log(
      `${mib(TOTAL)}: upload ${(uploadMs / 1000).toFixed(1)} s (${(TOTAL / MiB / (uploadMs / 1000)).toFixed(1)} MiB/s), download ${(downloadMs / 1000).toFixed(1)} s (every chunk everywhere after ${(caughtUpMs / 1000).toFixed(1)} s)\n` +
        report.map((r) => `  node ${r.node} (${r.role}): baseline ${mib(r.baseline)}, peak rise upload ${mib(r.uploadRise)} (${r.uploadSamples} samples), download ${mib(r.downloadRise)} (${r.downloadSamples} samples)`).join('\n'),
    );

    expect(got.status).toBe(200);
    expect(got.bytes).toBe(TOTAL);
    expect(got.sha256).toBe(expected);
    for (const r of report) {
      expect(r.uploadSamples, `node ${r.node} sampled during the upload`).toBeGreaterThan(5);
      expect(r.uploadRise, `node ${r.node} (${r.role}) RSS rise during the upload`).toBeLessThanOrEqual(LIMIT);
      expect(r.downloadRise, `node ${r.node} (${r.role}) RSS rise during the download`).toBeLessThanOrEqual(LIMIT);
    }
    // The file is really stored: its metadata says so on the node it went through.
    const info = await json<{ size: number; sha256: string }>(`${follower.url}/fileinfo?name=big.bin`);
    expect(info.body.size).toBe(TOTAL);
  });
});
