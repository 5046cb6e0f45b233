// Measurement helpers shared by the benchmarks: reproducible pseudo-random content, a closed-loop
// load generator with a fixed number of workers, and small statistics.
import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';

/** `bytes` of pseudo-random content determined by `seed` (AES-CTR keystream: fast, incompressible, never deduplicated across seeds). */
export function pseudoRandom(seed: string, bytes: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const MiB = 1024 * 1024;

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * `concurrency` workers each run `op` back to back until `durationMs` has passed (a closed loop:
 * the rate is what the server sustains at that concurrency). Failed ops are counted, not timed.
 */
export async function closedLoop(concurrency: number, durationMs: number, op: (worker: number, seq: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const stopAt = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let seq = 0; performance.now() < stopAt; seq++) {
        const t0 = performance.now();
        try {
          await op(worker, seq);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors += 1;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    firstError,
    seconds: round(seconds, 2),
    opsPerSec: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
  };
}

/**
 * `concurrency` workers run `op` until `writes` succeeded or `capMs` passed, and answer how many
 * succeeded. A warm-up by count: V8 optimises a function after enough calls, not after enough
 * time, so a warm-up that lasts a fixed time leaves a node on a loaded machine still compiling.
 */
export async function warmUp(concurrency: number, writes: number, capMs: number, op: (worker: number, seq: number) => Promise<void>): Promise<number> {
  let done = 0;
  const stopAt = performance.now() + capMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let seq = 0; done < writes && performance.now() < stopAt; seq++) {
        try {
          await op(worker, seq);
          done += 1;
        } catch {
          // A failed warm-up write is not counted; the measured phases report errors.
        }
      }
    }),
  );
  return done;
}

/** Reads a fetch response body to its end, counting the bytes (nothing is kept). */
export async function drain(res: Response): Promise<number> {
  let bytes = 0;
  if (!res.body) return 0;
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) bytes += piece.length;
  return bytes;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request with a body held in memory (node:http: less client overhead than fetch for bulk bytes). */
export function httpSend(url: string, method: string, body: Buffer): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GETs `url` and counts the body's bytes without keeping them. */
export function httpDrain(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Lets the process exit: closes the keep-alive sockets. */
export function closeClients(): void {
  agent.destroy();
}
