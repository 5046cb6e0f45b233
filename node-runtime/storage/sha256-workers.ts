// SHA-256 of large buffers on worker threads. Serving a download, a node verifies every chunk it
// sends; on its event loop that hash was a third of the loop's busy time (issue #11, session 10:
// 4 MiB chunks, profile of a follower serving 1 GiB), and the socket waited while it ran. On a
// worker the next chunk is hashed while this one is being sent. The buffer is transferred, not
// copied, and comes back with the digest; small buffers are hashed in place (a message costs more).
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Below this many bytes a buffer is hashed on the calling thread. */
export const WORKER_HASH_MIN_BYTES = 256 * 1024;
/**
 * A thread with nothing to do for this long is stopped: each holds about 9 MiB of memory (its
 * own V8 instance), which a node serving no download should not keep; starting one takes tens of
 * milliseconds, once per burst of downloads.
 */
const IDLE_STOP_MS = 5_000;

// Plain JavaScript evaluated in the worker (no file to find next to a bundle or an asar archive).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, length }) => {
  const digest = createHash('sha256').update(new Uint8Array(buffer, 0, length)).digest('hex');
  parentPort.postMessage({ id, digest, buffer }, [buffer]);
});
`;

interface Job {
  readonly resolve: (result: { digest: string; bytes: Buffer }) => void;
  readonly reject: (err: Error) => void;
  readonly length: number;
}

interface HashWorker {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
  idleTimer?: NodeJS.Timeout;
  /** It has hashed something (it started fine). */
  answered?: boolean;
  /** Stopped on purpose (idle, or close). */
  stopping?: boolean;
}

/** Hash threads shared by the whole process, started on first use and never holding it open. */
export class Sha256Workers {
  private readonly workers: HashWorker[] = [];
  private nextId = 0;
  /** Set once a thread could not start or died before its first answer: everything is hashed in place. */
  private unavailable = false;
  private readonly threads: number;
  private readonly idleStopMs: number;
  private readonly source: string;

  /**
   * One thread by default: it hashes while the event loop sends, which is the overlap that
   * matters. `source` replaces the thread's code (tests: a thread that fails to start).
   */
  constructor(options: { threads?: number; idleStopMs?: number; source?: string } = {}) {
    this.threads = options.threads ?? 1;
    this.idleStopMs = options.idleStopMs ?? IDLE_STOP_MS;
    this.source = options.source ?? WORKER_SOURCE;
  }

  /**
   * The SHA-256 (hex) of `bytes`, and the bytes themselves. When `bytes` starts a buffer the
   * caller owns whole (`Buffer.allocUnsafeSlow`, never a slice of Node's shared pool) and is large,
   * that buffer is handed to a worker and must not be touched until this resolves; use the
   * returned `bytes` (the same memory, in a new `Buffer` of the same length over the whole
   * buffer's memory) afterwards.
   */
  hash(bytes: Buffer): Promise<{ digest: string; bytes: Buffer }> {
    const { buffer } = bytes;
    // Only a whole buffer of the caller's own can be transferred (never a shared or pooled one).
    const target = buffer instanceof ArrayBuffer && startsOwned(bytes) ? this.leastBusy() : undefined;
    if (target === undefined) return Promise.resolve({ digest: createHash('sha256').update(bytes).digest('hex'), bytes });
    const owned = buffer as ArrayBuffer;
    clearTimeout(target.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      target.jobs.set(id, { resolve, reject, length: bytes.length });
      target.worker.postMessage({ id, buffer: owned, length: bytes.length }, [owned]);
    });
  }

  /** Stops the threads (tests; a process that exits needs nothing: the threads are unref'd). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => this.stop(w)));
  }

  /** Threads running now (tests). */
  get running(): number {
    return this.workers.length;
  }

  private async stop(entry: HashWorker): Promise<void> {
    entry.stopping = true;
    this.forget(entry);
    await entry.worker.terminate();
  }

  private forget(entry: HashWorker): void {
    clearTimeout(entry.idleTimer);
    const index = this.workers.indexOf(entry);
    if (index >= 0) this.workers.splice(index, 1);
  }

  /** The thread to hash on; undefined where threads cannot run (the caller hashes in place). */
  private leastBusy(): HashWorker | undefined {
    if (this.unavailable) return undefined;
    if (this.workers.length < this.threads && this.workers.every((w) => w.jobs.size > 0)) {
      const started = this.start();
      if (started === undefined) return undefined;
      this.workers.push(started);
    }
    return this.workers.reduce((best, w) => (w.jobs.size < best.jobs.size ? w : best));
  }

  private start(): HashWorker | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.source, { eval: true });
    } catch {
      // An environment without worker threads: hash in place from now on.
      this.unavailable = true;
      return undefined;
    }
    const entry: HashWorker = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', ({ id, digest, buffer }: { id: number; digest: string; buffer: ArrayBuffer }) => {
      entry.answered = true;
      const job = entry.jobs.get(id);
      entry.jobs.delete(id);
      job?.resolve({ digest, bytes: Buffer.from(buffer, 0, job.length) });
      if (entry.jobs.size === 0) entry.idleTimer = setTimeout(() => void this.stop(entry), this.idleStopMs).unref();
    });
    // A thread that fails takes its jobs with it (their callers read again and hash in place); the
    // next hash starts a new one, unless this one never answered: then threads do not work here.
    const fail = (err: Error): void => {
      if (!entry.answered && !entry.stopping) this.unavailable = true;
      this.forget(entry);
      for (const job of entry.jobs.values()) job.reject(err);
      entry.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SHA-256 worker thread exited (${code})`)));
    return entry;
  }
}

/**
 * Large, and at the start of its own buffer. The caller vouches that nothing else uses the rest
 * (a pooled chunk buffer); a view into Node's shared allocation pool is never large enough
 * (the pool hands out at most 4 KiB), so it is hashed in place.
 */
function startsOwned(bytes: Buffer): boolean {
  return bytes.length >= WORKER_HASH_MIN_BYTES && bytes.byteOffset === 0;
}

/** The process's hash threads. */
export const sha256Workers = new Sha256Workers();
