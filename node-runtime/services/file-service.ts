// The file operations the HTTP API offers (listing, metadata, which members hold a file, write,
// delete, read), carried out by the state machine, the writer, the reader and which peers hold the chunks.
import type { Writable } from 'node:stream';
import type { FileInfo, ListReplicas, ReplicaHolding } from '../common/api-types';
import { toFileInfo, toFileList, type StateMachine } from '../fsm';
import { ApiError } from '../common/errors';
import type { ByteRange, Clock, ComposeRequest, FileService, WriteRequest } from '../ports';
import type { PeerChunks } from './peer-chunks';
import type { FileReader } from './file-reader';
import type { FileWriter } from './file-writer';
import type { TrafficStats } from './traffic-stats';

export interface FileServiceParts {
  readonly fsm: StateMachine;
  readonly writer: FileWriter;
  readonly reader: FileReader;
  readonly peerChunks: PeerChunks;
  readonly traffic: TrafficStats;
  readonly clock: Clock;
}

/** Within the `missing-chunks` RPC's 100,000 names (transport/protocol.ts). */
const MAX_HASHES_PER_QUESTION = 50_000;

export class ReplicatedFileService implements FileService {
  constructor(private readonly parts: FileServiceParts) {}

  list({ prefix, cursor, limit, delimiter, contains }: { prefix: string; cursor: string | null; limit: number; delimiter?: '/'; contains?: string }) {
    const { fsm } = this.parts;
    return toFileList(fsm.list({ prefix, limit, delimiter, contains, ...(cursor !== null ? { after: cursor } : {}) }), (name) => this.liveLock(name));
  }

  info(name: string): FileInfo {
    const record = this.parts.fsm.get(name);
    if (!record) throw new ApiError('not_found', `file "${name}" does not exist`);
    return toFileInfo(record, this.liveLock(name));
  }

  /** Per member, the positions in the file's chunk list of the chunks it lacks (null: it did not answer). */
  async replicas(info: FileInfo): Promise<ReplicaHolding[]> {
    const lacking = await this.parts.peerChunks.missingByMember([...new Set(info.chunks.map((c) => c.hash))]);
    return lacking.map(({ node, missing }) => {
      if (missing === null) return { node, missing: null };
      const absent = new Set(missing);
      return { node, missing: info.chunks.flatMap((c, i) => (absent.has(c.hash) ? [i] : [])) };
    });
  }

  async listReplicas(names: readonly string[]): Promise<ListReplicas> {
    const chunksOf = new Map<string, readonly string[]>();
    for (const name of names) {
      // Small files ride in the Raft log (no chunks): whole on every member that applied them.
      const record = this.parts.fsm.get(name);
      if (record !== undefined && record.chunks.length > 0) chunksOf.set(name, record.chunks.map((c) => c.hash));
    }
    const answers = await this.missingByMember([...new Set([...chunksOf.values()].flat())]);
    const lacking: Record<string, number[]> = {};
    for (const { node, missing } of answers) {
      if (missing === null || missing.length === 0) continue;
      const absent = new Set(missing);
      for (const [name, chunks] of chunksOf) if (chunks.some((hash) => absent.has(hash))) (lacking[name] ??= []).push(node);
    }
    return { members: answers.map((a) => a.node), unanswered: answers.filter((a) => a.missing === null).map((a) => a.node), lacking };
  }

  /**
   * missingByMember for any number of chunks: a peer is asked about at most MAX_HASHES_PER_QUESTION
   * at once, one question after another, so a page of huge files cannot start a flood of lookups.
   */
  private async missingByMember(hashes: readonly string[]): Promise<{ node: number; missing: string[] | null }[]> {
    const answers: { node: number; missing: string[] | null }[][] = [];
    let first = 0;
    do {
      answers.push(await this.parts.peerChunks.missingByMember(hashes.slice(first, first + MAX_HASHES_PER_QUESTION)));
      first += MAX_HASHES_PER_QUESTION;
    } while (first < hashes.length);
    return (answers[0] ?? []).map(({ node }, i) => {
      const parts = answers.map((answer) => answer[i]?.missing ?? null);
      return { node, missing: parts.some((part) => part === null) ? null : parts.flatMap((part) => part ?? []) };
    });
  }

  async write(request: WriteRequest): Promise<FileInfo> {
    const info = await this.parts.writer.write(request);
    this.parts.traffic.recordUpload(info.size);
    return info;
  }

  relayable(declaredSize: number | null): boolean {
    return this.parts.writer.relayable(declaredSize);
  }

  compose(request: ComposeRequest): Promise<FileInfo> {
    const { reader } = this.parts;
    // The parts' bytes, each chunk verified (and repaired) as any read's, one part after another.
    async function* content(): AsyncGenerator<Uint8Array> {
      for (const part of request.parts) yield* reader.read(part, null);
    }
    return this.parts.writer.compose(request, content());
  }

  remove(name: string, lockToken?: string, requestId?: string): Promise<FileInfo> {
    return this.parts.writer.remove(name, lockToken, requestId);
  }

  read(info: FileInfo, range: ByteRange | null) {
    return this.parts.reader.read(info, range);
  }

  send(info: FileInfo, range: ByteRange | null, sink: Writable) {
    return this.parts.reader.send(info, range, sink);
  }

  /** A lock whose lease ran out is shown as no lock, though the leader has not yet proposed its expiry. */
  private liveLock(name: string) {
    const lock = this.parts.fsm.lockOf(name);
    return lock && lock.expiresAt > this.parts.clock.now() ? lock : undefined;
  }
}
