// Whole-file reads verified on a worker thread. Serving a download, a node verifies every chunk it
// sends; on its event loop that hash was a third of the loop's busy time (issue #11, session 10:
// 4 MiB chunks, profile of a follower serving 1 GiB), and the socket waited while it ran. On a
// worker the next chunks are read and hashed while this one is being sent. The buffer a chunk is
// read into is transferred there and back, not copied, and comes back with the digest.
//
// The thread reads the chunk itself (`readAndHash`, one message each way) rather than the event
// loop reading it through the thread pool and handing it over: session 15's trace of a follower
// serving 1 GiB had the hash thread idle about 40 % of the time, waiting for reads that made four
// trips through the event loop (open, fstat, read, close; 4-9 ms for 4 MiB on two busy cores)
// while that loop was busy writing to the socket.
import { Worker } from 'node:worker_threads';

/**
 * A thread with nothing to do for this long is stopped: each holds about 9 MiB of memory (its
 * own V8 instance), which a node serving no download should not keep; starting one takes tens of
 * milliseconds, once per burst of downloads.
 */
const IDLE_STOP_MS = 5_000;

// Plain JavaScript evaluated in the worker (no file to find next to a bundle or an asar archive).
// A message names a file to read whole (into the buffer sent, when it is large enough) and then
// hash. Files are read in order, each while the one before it is hashed:
// the open and fstat are synchronous (metadata), the read goes to the thread pool and its answer
// is taken once that hash is done, so a read from a cold disk still overlaps hashing. A read that
// fails answers with the error's code and message.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
function startRead(job) {
  return new Promise((resolve) => {
    const fail = (err) => resolve({ failure: { code: err.code, message: err.message } });
    let fd;
    let size;
    try {
      fd = fs.openSync(job.file, 'r');
      size = fs.fstatSync(fd).size;
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      fail(err);
      return;
    }
    const target = job.buffer !== undefined && job.buffer.byteLength >= size ? job.buffer : new ArrayBuffer(size);
    const view = new Uint8Array(target);
    const done = (length) => {
      fs.closeSync(fd);
      resolve({ buffer: target, length });
    };
    // A read returns at most what was asked; 0 means the file ended early (it shrank): what was read is hashed.
    const more = (length) => {
      if (length >= size) return done(length);
      fs.read(fd, view, length, size - length, length, (err, n) => {
        if (err) {
          fs.closeSync(fd);
          fail(err);
        } else if (n === 0) done(length);
        else more(length + n);
      });
    };
    more(0);
  });
}
const files = [];
let pumping = false;
async function pump() {
  pumping = true;
  while (files.length > 0) {
    const job = files.shift();
    const read = await (job.read ?? startRead(job));
    if (files.length > 0) files[0].read = startRead(files[0]);
    if (read.failure) {
      parentPort.postMessage({ id: job.id, failure: read.failure });
      continue;
    }
    const digest = createHash('sha256').update(new Uint8Array(read.buffer, 0, read.length)).digest('hex');
    parentPort.postMessage({ id: job.id, digest, buffer: read.buffer, length: read.length }, [read.buffer]);
  }
  pumping = false;
}
parentPort.on('message', (job) => {
  files.push(job);
  if (!pumping) void pump();
});
`;

/** A thread could not run the job (none can start here, or it died): the caller does it itself. */
export class HashThreadUnavailableError extends Error {}

interface Job {
  readonly resolve: (result: { digest: string; bytes: Buffer }) => void;
  readonly reject: (err: Error) => void;
}

/** A thread's answer: the digest and the bytes hashed, or why the file could not be read. */
interface Answer {
  readonly id: number;
  readonly digest?: string;
  readonly buffer?: ArrayBuffer;
  readonly length?: number;
  readonly failure?: { code?: string; message: string };
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
   * One thread by default: it reads and hashes while the event loop sends, which is the overlap
   * that matters. Not two, even on two cores: two threads hashing at once here (2 vCPUs, SHA-NI)
   * each hashed 0.6-1.0 GB/s per second of CPU against 1.5 alone, and downloads with two were
   * slower (session 15). `source` replaces the thread's code (tests: a thread that fails to start).
   */
  constructor(options: { threads?: number; idleStopMs?: number; source?: string } = {}) {
    this.threads = options.threads ?? 1;
    this.idleStopMs = options.idleStopMs ?? IDLE_STOP_MS;
    this.source = options.source ?? WORKER_SOURCE;
  }

  /**
   * Reads `file` whole on a thread and hashes it there: the SHA-256 (hex) and the bytes, in
   * `into` when it is large enough and starts a buffer the caller owns whole
   * (`Buffer.allocUnsafeSlow`, never a slice of Node's shared pool), which is handed over and must
   * not be touched again (the bytes come back at its start, in a new `Buffer` over the same
   * memory), else in a buffer of the file's size. A file that cannot be opened or read rejects
   * with the error's code (ENOENT for a missing file); where no thread can run, it rejects with
   * HashThreadUnavailableError and the caller reads and hashes on its own thread.
   */
  readAndHash(file: string, into?: Buffer): Promise<{ digest: string; bytes: Buffer }> {
    const target = this.leastBusy();
    if (target === undefined) return Promise.reject(new HashThreadUnavailableError('no SHA-256 thread can run here'));
    // Only a whole buffer of the caller's own can be transferred; anything else is left here.
    const buffer = into !== undefined && into.buffer instanceof ArrayBuffer && into.byteOffset === 0 ? into.buffer : undefined;
    clearTimeout(target.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      target.jobs.set(id, { resolve, reject });
      target.worker.postMessage({ id, file, buffer }, buffer ? [buffer] : []);
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
    worker.on('message', (answer: Answer) => {
      entry.answered = true;
      const job = entry.jobs.get(answer.id);
      entry.jobs.delete(answer.id);
      if (answer.failure) job?.reject(Object.assign(new Error(answer.failure.message), { code: answer.failure.code }));
      else job?.resolve({ digest: answer.digest as string, bytes: Buffer.from(answer.buffer as ArrayBuffer, 0, answer.length) });
      if (entry.jobs.size === 0) entry.idleTimer = setTimeout(() => void this.stop(entry), this.idleStopMs).unref();
    });
    // A thread that fails takes its jobs with it (their callers read again and hash in place); the
    // next hash starts a new one, unless this one never answered: then threads do not work here.
    const fail = (err: Error): void => {
      if (!entry.answered && !entry.stopping) this.unavailable = true;
      this.forget(entry);
      for (const job of entry.jobs.values()) job.reject(new HashThreadUnavailableError(err.message, { cause: err }));
      entry.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SHA-256 worker thread exited (${code})`)));
    return entry;
  }
}

/** The process's hash threads. */
export const sha256Workers = new Sha256Workers();
