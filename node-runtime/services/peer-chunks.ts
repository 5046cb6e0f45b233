// This node's chunk store as its peers use it: chunks they push (kept only within the disk reserve
// and only when the bytes match their name), chunks they fetch, chunks this node pushes to them,
// and which chunks of a file each member lacks, through the peer RPC `missing-chunks`
// (transport/protocol.ts), which this service also answers (and `holds-chunks`, for older peers).
import { Readable } from 'node:stream';
import type { ChunkStore } from '../storage/chunk-store';
import { ChunkHashMismatchError } from '../storage/errors';
import { BodyTooLargeError, BodyTooShortError, ChunkIntegrityError, type Transport } from '../transport';
import type { ChunkReceiver } from './chunk-receiver';

export interface PeerChunksOptions {
  readonly selfId: number;
  readonly chunks: ChunkStore;
  readonly transport: Pick<Transport, 'call' | 'answer' | 'pushChunk'>;
  /** Every member of the cluster, this node included. */
  readonly members: () => readonly number[];
  /** Refuses (throws) when `incoming` more bytes would eat into the disk reserve. */
  readonly checkDisk: (incoming: number) => Promise<void>;
  /** A chunk is arriving: garbage collection must not take it for an orphan. */
  readonly noteIncoming: (hash: string) => void;
  /** A small file's bytes by SHA-256 (StateMachine.inlineContent): served like a chunk, so a peer can repair its copy. */
  readonly inlineContent?: (sha256: string) => Uint8Array | undefined;
  /** Where pushed chunks go into the store (chunk-receiver.ts). */
  readonly receiver: Pick<ChunkReceiver, 'store'>;
  /**
   * Called once a chunk was sent to a peer: a young-generation collection, so its 64 KiB file
   * pieces, garbage by then, do not pile up outside V8's heap until a full collection
   * (node/heap-policy.ts, youngGenerationCollector).
   */
  readonly collectGarbage?: () => void;
}

/** How long a peer may take to say which chunks it lacks before it counts as not answering. */
const ASK_TIMEOUT_MS = 1_000;
const PUSH_TIMEOUT_MS = 15_000;
/** Chunk lookups (a `stat` each) in flight at once when asked which chunks are missing. */
const MISSING_LOOKUPS_AT_ONCE = 256;

export class PeerChunks {
  constructor(private readonly options: PeerChunksOptions) {}

  /** Answers peers' `missing-chunks` and `holds-chunks` calls from this node's chunk store. */
  serve(): void {
    const { transport } = this.options;
    transport.answer('missing-chunks', ({ hashes }) => this.missing(hashes));
    transport.answer('holds-chunks', async ({ hashes }) => (await this.missing(hashes)).length === 0);
  }

  /** Stores a chunk a peer pushed; the transport's contract (StoreChunk) says how refusals look. */
  async store(hash: string, body: Readable, size: number): Promise<void> {
    await this.options.checkDisk(size);
    this.options.noteIncoming(hash);
    // The transport names its own error for bytes that do not match their hash, so it can answer
    // the sender 422 instead of failing the request as an internal error.
    const stored = await this.options.receiver.store(hash, body, size).catch((err: unknown) => {
      const refused = err instanceof ChunkHashMismatchError || err instanceof BodyTooLargeError || err instanceof BodyTooShortError;
      throw refused ? new ChunkIntegrityError(hash, err.message) : err;
    });
    if (stored.size !== size) throw new ChunkIntegrityError(hash, `announced ${size} bytes, received ${stored.size}`);
  }

  /**
   * A chunk a peer fetches, or a small file's content (its SHA-256 names it the way a chunk's
   * names a chunk), so a peer can repair either; null when this node holds neither. The fetching
   * side verifies the bytes.
   */
  async open(hash: string): Promise<Readable | null> {
    const { chunks, collectGarbage } = this.options;
    if (await chunks.has(hash)) {
      const stream = await chunks.get(hash);
      if (collectGarbage) stream.once('close', collectGarbage);
      return stream;
    }
    const inline = this.options.inlineContent?.(hash);
    return inline === undefined ? null : Readable.from([Buffer.from(inline.buffer, inline.byteOffset, inline.byteLength)]);
  }

  /**
   * Resolves once `peer` holds the chunk durably with a verified hash. Sent from `bytes` when
   * given (the upload still holds them), else read from the local store.
   */
  push(peer: number, hash: string, size: number, bytes?: Buffer): Promise<void> {
    const { chunks } = this.options;
    const open = bytes ? () => Readable.from([bytes]) : () => Readable.from(chunkPieces(chunks, hash));
    return this.options.transport.pushChunk(peer, hash, size, open, { timeoutMs: PUSH_TIMEOUT_MS });
  }

  /**
   * The chunks among `hashes` this node lacks, in their order. Looked up MISSING_LOOKUPS_AT_ONCE at
   * a time: one after another, a listing page's 1,000 chunks took ~100 ms of waiting on `stat`.
   */
  async missing(hashes: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let first = 0; first < hashes.length; first += MISSING_LOOKUPS_AT_ONCE) {
      const batch = hashes.slice(first, first + MISSING_LOOKUPS_AT_ONCE);
      const held = await Promise.all(batch.map((hash) => this.options.chunks.has(hash)));
      batch.forEach((hash, i) => held[i] || missing.push(hash));
    }
    return missing;
  }

  /** For each member (ascending), the chunks among `hashes` it lacks; null for a peer that does not answer (down, cut off, older). */
  async missingByMember(hashes: readonly string[]): Promise<{ node: number; missing: string[] | null }[]> {
    const { selfId, transport } = this.options;
    const members = [...new Set(this.options.members())].sort((a, b) => a - b);
    return Promise.all(
      members.map(async (node) => {
        if (node === selfId) return { node, missing: await this.missing(hashes) };
        const answer = await transport.call(node, 'missing-chunks', { hashes: [...hashes] }, { timeoutMs: ASK_TIMEOUT_MS }).catch(() => false as const);
        return { node, missing: answer === false ? null : answer };
      }),
    );
  }
}

/** Opened lazily, so a retried push (see Transport.pushChunk) reopens the chunk. */
async function* chunkPieces(chunks: ChunkStore, hash: string): AsyncGenerator<Buffer> {
  for await (const piece of await chunks.get(hash)) yield piece as Buffer;
}
