// The write path of DESIGN.md, on the leader. A small file (up to the inlineMaxBytes setting)
// travels inside its put entry: one replication round and one WAL fsync per node carry its bytes
// and its metadata together. A larger one streams into local chunks (hashing each chunk and the
// whole file), each pushed to the followers as soon as it is durable here; once a majority of
// voters holds all of them the small metadata entry is proposed. Either way the answer waits
// until the entry is applied.
import { createHash, type Hash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ChunkRef, FileInfo } from '../common/api-types';
import type { ClusterSettings } from '../common/config';
import { ApiError } from '../common/errors';
import { formatBytes, quotaText } from '../common/units';
import { isInline, isRefusal, toFileInfo, type StateMachine } from '../fsm';
import type { Clock, ComposeRequest, WriteRequest } from '../ports';
import type { SealedChunk } from '../storage/chunker';
import { ChunkReplication, type ChunkPusher, type ReplicationTarget } from './chunk-replication';
import type { CommandRunner } from './command-runner';

/**
 * Streams a body into the local chunk store, handing over each chunk as soon as it is written
 * (before it is durable here); the body is read on once `onChunk` resolves. Resolves once every
 * chunk is durable locally.
 */
export type ChunkBody = (
  body: Readable,
  options: { chunkSize: number; onChunk: (chunk: SealedChunk) => Promise<void> },
) => Promise<{ size: number; sha256: string; chunks: readonly ChunkRef[] }>;

export interface FileWriterOptions {
  readonly fsm: StateMachine;
  readonly runner: CommandRunner;
  readonly settings: () => Readonly<ClusterSettings>;
  readonly storeBody: ChunkBody;
  readonly pusher: ChunkPusher;
  readonly replicationTarget: () => ReplicationTarget;
  /** Throws ApiError disk_full when this node's disk is below its reserve. */
  readonly checkDisk: (incomingBytes: number) => Promise<void>;
  /** Reports the number of uploads in flight (their chunks must survive garbage collection). */
  readonly uploads: { begin(): () => void };
  readonly clock: Clock;
  /** Small files go inline only while the state holds fewer inline bytes than this (none: no bound; DFS_INLINE_BUDGET_BYTES). */
  readonly inlineBudgetBytes?: number;
  /** Whether the entry can carry inline content: every member applies a command format that has it. */
  readonly inlineWritable: () => boolean;
  /**
   * Whether this follower may relay a small write's entry to the leader through Raft: every
   * member applies this release's newest command format (a release from before the relay never
   * sees a proposal from a follower), and the operator did not turn it off.
   */
  readonly relayWritable: () => boolean;
}


export class FileWriter {
  constructor(private readonly options: FileWriterOptions) {}

  async write(request: WriteRequest): Promise<FileInfo> {
    // A follower relaying a small write may not yet have applied what its client already saw
    // acknowledged through the leader (a delete, a lock released, a quota raised): a refusal from
    // its own state could contradict that. The entry is decided at apply, in log order, on every
    // replica alike, and the follower answers with that outcome; the body is small and bounded.
    const relayed = request.relayed === true;
    if (!relayed) this.checkLock(request.name, request.lockToken);
    const allowed = relayed ? (request.declaredSize ?? 0) : this.checkQuota(request.name, request.declaredSize);
    await this.options.checkDisk(request.declaredSize ?? 0);

    const md5 = request.md5 || request.expected?.md5Hex !== undefined ? createHash('md5') : null;
    const tooMany = (seen: number): ApiError => this.quotaError(request.name, seen);
    const inlineMax = this.inlineMax();
    if (request.body instanceof IncomingMessage && request.declaredSize !== null && request.declaredSize <= inlineMax) {
      return this.commitInline(request, await readDeclared(request.body, allowed, tooMany, md5), md5);
    }
    // The route checked relayable() before reading anything; settings changed since: the client retries.
    if (relayed) throw new ApiError('unavailable', `"${request.name}" can no longer be relayed to the leader from this node (a setting or a member changed since the request arrived): retry`);
    const limited = limitBytes(allowed, tooMany, md5);
    // pipeline() carries a client abort on the body into `limited`, so storing fails with it.
    pipeline(request.body, limited).catch(() => undefined);
    const head = request.declaredSize !== null && request.declaredSize > inlineMax ? null : await readUpTo(limited, inlineMax);
    if (head?.ended) return this.commitInline(request, Buffer.concat(head.pieces), md5);
    return this.writeChunked(request, head ? Readable.from(resume(head)) : limited, md5);
  }

  relayable(declaredSize: number | null): boolean {
    return declaredSize !== null && declaredSize <= this.inlineMax() && this.options.relayWritable();
  }

  /** The largest body that goes inside its entry now (0: none does). */
  private inlineMax(): number {
    // Inline contents live in each node's packs on disk and snapshots name them (storage/README.md),
    // so nothing bounds them but an operator's budget. The decision is the proposing node's alone
    // (the leader's, or a relaying follower's); replicas apply whatever the entry says.
    const budget = this.options.inlineBudgetBytes ?? Number.POSITIVE_INFINITY;
    // A member of an older release (a rolling upgrade) may apply no command format that carries inline content.
    const inlineOk = this.options.fsm.inlineBytesHeld() < budget && this.options.inlineWritable();
    return inlineOk ? this.options.settings().inlineMaxBytes : 0;
  }

  /** The whole body is in memory (at most inlineMaxBytes): it goes to the followers inside the entry. */
  private async commitInline(request: WriteRequest, content: Buffer, md5: Hash | null): Promise<FileInfo> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const md5Hex = md5?.digest('hex');
    checkDigests(request, sha256, md5Hex);
    const stored = { size: content.length, sha256, chunks: [] };
    return this.commit(request, stored, md5Hex, content.length > 0 ? content.toString('base64') : undefined);
  }

  private async writeChunked(request: WriteRequest, body: Readable, md5: Hash | null): Promise<FileInfo> {
    const end = this.options.uploads.begin();
    const replication = new ChunkReplication(this.options.pusher, this.options.replicationTarget());
    try {
      const stored = await this.options.storeBody(body, {
        chunkSize: this.options.settings().chunkSize,
        onChunk: (chunk) => replication.add(chunk),
      });
      const md5Hex = md5?.digest('hex');
      checkDigests(request, stored.sha256, md5Hex);
      await replication.quorum();
      return await this.commit(request, stored, md5Hex, undefined);
    } finally {
      // A follower still lacking chunks fetches them once it applies the file, so the pushes not
      // yet started would send them twice. Not with recovery off: then no follower fetches them.
      if (this.options.fsm.clusterConfig().recoveryEnabled) replication.dropQueuedPushes();
      end();
    }
  }

  /** Proposes the put entry and answers with the file as applied. */
  private async commit(request: WriteRequest, stored: { size: number; sha256: string; chunks: readonly ChunkRef[] }, md5Hex: string | undefined, inline: string | undefined): Promise<FileInfo> {
    const applied = await this.options.runner.run({
      type: 'put',
      name: request.name,
      size: stored.size,
      sha256: stored.sha256,
      chunks: [...stored.chunks],
      ...(inline !== undefined && { inline }),
      ...(request.md5 && { md5: md5Hex }),
      ...(request.md5Tag !== undefined && { md5: request.md5Tag }),
      ...(request.meta !== undefined && { meta: request.meta }),
      at: this.options.clock.now(),
      ...(request.lockToken !== undefined ? { lockToken: request.lockToken } : {}),
      ...(request.expectedVersion !== undefined ? { expectedVersion: request.expectedVersion } : {}),
      ...(request.expectedRevision !== undefined ? { expectedRevision: request.expectedRevision } : {}),
      ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
    }, request.relayed === true);
    if (applied.type !== 'put') throw new ApiError('internal', `unexpected outcome ${applied.type} for put`);
    return toFileInfo(applied.file, this.options.fsm.lockOf(applied.file.name));
  }

  /**
   * Commits `name` as the parts' chunk lists end to end. Their chunks are already durable on a
   * majority (each part was a write), so nothing is stored or pushed: `content` (the parts'
   * verified bytes) is only hashed for the whole file's SHA-256, then one put entry commits.
   */
  async compose(request: ComposeRequest, content: AsyncIterable<Uint8Array>): Promise<FileInfo> {
    const { fsm } = this.options;
    const size = request.parts.reduce((sum, p) => sum + p.size, 0);
    // A small part has no chunks to share: its bytes are written again, like any upload.
    if (request.parts.some(isInline)) {
      const { name, md5Tag, meta } = request;
      return this.write({ name, body: Readable.from(content), declaredSize: size, ...(md5Tag !== undefined && { md5Tag }), ...(meta !== undefined && { meta }) });
    }
    this.checkLock(request.name, undefined);
    this.checkQuota(request.name, size);
    const end = this.options.uploads.begin();
    try {
      const whole = createHash('sha256');
      let hashed = 0;
      for await (const piece of content) {
        whole.update(piece);
        hashed += piece.length;
      }
      if (hashed !== size) throw new ApiError('internal', `the parts of "${request.name}" read back as ${hashed} bytes, not ${size}`);
      const applied = await this.options.runner.run({
        type: 'put',
        name: request.name,
        size,
        sha256: whole.digest('hex'),
        chunks: request.parts.flatMap((p) => p.chunks.map((c) => ({ hash: c.hash, size: c.size }))),
        ...(request.md5Tag !== undefined && { md5: request.md5Tag }),
        ...(request.meta !== undefined && { meta: request.meta }),
        at: this.options.clock.now(),
      });
      if (applied.type !== 'put') throw new ApiError('internal', `unexpected outcome ${applied.type} for put`);
      return toFileInfo(applied.file, fsm.lockOf(applied.file.name));
    } finally {
      end();
    }
  }

  async remove(name: string, lockToken: string | undefined, requestId?: string): Promise<FileInfo> {
    // A resent delete that already applied (so committed) is answered as it was, the file gone since.
    const recorded = requestId === undefined ? undefined : this.options.fsm.recordedRequest(requestId);
    // A refusal recorded under the id is no write: this attempt is checked afresh.
    const first = recorded === undefined || isRefusal(recorded) ? undefined : recorded;
    if (first?.type === 'delete' && first.file.name === name) return toFileInfo(first.file);
    this.checkLock(name, lockToken);
    if (!first && !this.options.fsm.get(name)) throw new ApiError('not_found', `file "${name}" does not exist`);
    const applied = await this.options.runner.run({
      type: 'delete',
      name,
      at: this.options.clock.now(),
      ...(lockToken !== undefined ? { lockToken } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    });
    if (applied.type !== 'delete') throw new ApiError('internal', `unexpected outcome ${applied.type} for delete`);
    return toFileInfo(applied.file);
  }

  /** Early answer for a write the state machine would refuse anyway; apply decides for real. */
  private checkLock(name: string, token: string | undefined): void {
    const lock = this.options.fsm.lockOf(name);
    if (!lock || lock.expiresAt <= this.options.clock.now() || lock.token === token) return;
    const err = new ApiError('locked', `"${name}" is locked by ${lock.owner} until ${new Date(lock.expiresAt).toISOString()}`);
    throw Object.assign(err, { extra: { owner: lock.owner, expiresAt: new Date(lock.expiresAt).toISOString() } });
  }

  /** The most bytes this write may have under the quota and the file size limit; refuses at once when already over. */
  private checkQuota(name: string, declared: number | null): number {
    const { storageQuota: limit, maxFileBytes } = this.options.settings();
    const used = this.options.fsm.totals().bytes;
    const replaced = this.options.fsm.get(name)?.size ?? 0;
    const allowed = Math.min(limit, maxFileBytes, limit - used + replaced);
    if (declared !== null && declared > limit) {
      throw Object.assign(new ApiError('file_too_large', `"${name}" is ${formatBytes(declared)}, more than the whole quota of ${formatBytes(limit)}`), {
        extra: { size: declared, limit },
      });
    }
    if (declared !== null && declared > allowed) throw this.quotaError(name, declared);
    return Math.max(0, allowed);
  }

  private quotaError(name: string, requested: number): ApiError {
    const { storageQuota: limit, maxFileBytes } = this.options.settings();
    const used = this.options.fsm.totals().bytes;
    if (requested > maxFileBytes && maxFileBytes < limit) {
      return Object.assign(new ApiError('file_too_large', `"${name}" is ${formatBytes(requested)} or more, over the maximum file size of ${formatBytes(maxFileBytes)} (setting maxFileBytes)`), {
        extra: { size: requested, limit: maxFileBytes },
      });
    }
    if (requested > limit) {
      return Object.assign(new ApiError('file_too_large', `"${name}" is larger than the whole quota of ${formatBytes(limit)}`), {
        extra: { size: requested, limit },
      });
    }
    return Object.assign(new ApiError('quota_exceeded', quotaText(`storing "${name}" (${formatBytes(requested)} or more)`, used, limit)), {
      extra: { used, limit, requested },
    });
  }
}

/** The stored bytes must be what the client said it sent; its chunks are then garbage, never referenced. */
function checkDigests(request: WriteRequest, sha256Hex: string, md5Hex: string | undefined): void {
  const { expected } = request;
  if (expected?.sha256Hex !== undefined && expected.sha256Hex !== sha256Hex) {
    const err = new ApiError('bad_digest', `the body of "${request.name}" has SHA-256 ${sha256Hex}, not the declared ${expected.sha256Hex}`);
    throw Object.assign(err, { extra: { digest: 'sha256' } });
  }
  if (expected?.md5Hex !== undefined && expected.md5Hex !== md5Hex) {
    const err = new ApiError('bad_digest', `the body of "${request.name}" has MD5 ${md5Hex ?? '?'}, not the declared ${expected.md5Hex}`);
    throw Object.assign(err, { extra: { digest: 'md5' } });
  }
}

interface BodyHead {
  readonly pieces: Buffer[];
  /** True when the body ended within the limit: `pieces` are all of it. */
  readonly ended: boolean;
  readonly rest: AsyncIterator<Buffer>;
}

/** Reads `body` until it ends or more than `max` bytes came; the rest stays unread in `rest`. */
async function readUpTo(body: Readable, max: number): Promise<BodyHead> {
  const rest = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const pieces: Buffer[] = [];
  let bytes = 0;
  while (bytes <= max) {
    const next = await rest.next();
    if (next.done) return { pieces, ended: true, rest };
    pieces.push(next.value);
    bytes += next.value.length;
  }
  return { pieces, ended: false, rest };
}

/** The whole body again: the pieces read so far, then the rest as it arrives. */
async function* resume(head: BodyHead): AsyncGenerator<Buffer> {
  yield* head.pieces;
  for (;;) {
    const next = await head.rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * A request body whose length its Content-Length fixes (Node's parser delivers no more), small
 * enough to go inline, read whole without the pipeline, Transform and async iterator the other
 * bodies take: for a 100-byte write those, and the AbortController pipeline() makes and aborts,
 * cost more than the write (issue #11). It fails as that path does: with the stream's error (a
 * stalled body's timeout), when the body closes before its end (the client went away), or past
 * `max` bytes (the quota; the rest is read and dropped).
 */
function readDeclared(body: IncomingMessage, max: number, tooMany: (seen: number) => ApiError, hash: Hash | null): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    let seen = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    // Every body closes, most of them after their end: the error (a stack trace each) only for a body cut short.
    const closedEarly = (): void => {
      if (!settled) fail(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    if (body.destroyed) {
      closedEarly();
      return;
    }
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      hash?.update(chunk);
      seen += chunk.length;
      pieces.push(chunk);
      if (seen > max) fail(tooMany(seen));
    });
    body.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, seen));
    });
    body.once('error', fail);
    body.once('close', closedEarly);
  });
}

/**
 * Fails the stream as soon as more than `max` bytes arrived, so an oversized upload stops early;
 * feeds `hash` on the way when given.
 */
function limitBytes(max: number, tooMany: (seen: number) => ApiError, hash: Hash | null): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash?.update(chunk);
      seen += chunk.length;
      if (seen > max) {
        callback(tooMany(seen));
        return;
      }
      callback(null, chunk);
    },
  });
}
