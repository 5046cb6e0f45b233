// The replicated state machine: files, locks and cluster settings, changed only by applying
// committed Raft entries in index order.
//
// Contract (what makes replicas agree):
//  - apply() depends only on the prior state and the entry. Time comes in the entry (`at`, the
//    proposer's clock: the leader's, or that of a follower that relayed a small write,
//    services/proposal-relay.ts); tokens are chosen by the leader. Nothing here reads a clock or
//    random source.
//  - Log time is monotonic: it is the largest `at` applied so far, so a new leader with a clock
//    that lags the old one cannot make leases live again or timestamps go backwards.
//  - Before each command, leases that ended at or before the new log time are dropped, and so are
//    request ids recorded REQUEST_ID_TTL_MS before it.
//  - A put or delete whose request id names a write already applied changes nothing and answers
//    that write's outcome (with `repeatOf`); the same id with another write is rejected. From
//    command format 4 on, a refused one is recorded as well, and another copy of the same proposal
//    is answered with that refusal (request-table.ts says why).
//  - A rejected command changes nothing but the applied index and log time; every replica rejects
//    it in the same way.
//  - snapshot() is canonical: equal states give equal bytes, and restore(snapshot()) reproduces
//    the state exactly.

import type { ChunkRef } from '../common/api-types';
import { describeConfigIssues, validateConfigPatch, type ClusterSettings, type LayeredSettings, type RaftTiming } from '../common/config';
import { validateFileName } from '../common/file-name';
import { ClusterConfig } from './cluster-config';
import {
  CommandDecodeError,
  decodeCommand,
  parseCommand,
  REFUSALS_RECORDED_FORMAT,
  COMMAND_FORMATS,
  type Command,
  type ConfigSetCommand,
  type DeleteCommand,
  type LockAcquireCommand,
  type LockReleaseCommand,
  type LockRenewCommand,
  type PutCommand,
} from './commands';
import { FileCatalog, type ListOptions, type ListPage } from './file-catalog';
import type { ContentBytes } from './inline-contents';
import { LockTable } from './lock-table';
import type { Applied, ApplyResult, FileRecord, LockRecord, Rejection } from './outcomes';
import { isRefusal, RequestTable, type RecordedRequest } from './request-table';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotPieces, SnapshotFormatError, type SnapshotState } from './snapshot-codec';

/** The driver broke the apply contract (e.g. applied an index twice): stop rather than diverge. */
export class FsmInvariantError extends Error {
  constructor(detail: string) {
    super(`state machine invariant violated: ${detail}`);
    this.name = 'FsmInvariantError';
  }
}

/** The fields of a Raft entry the state machine reads (structurally raft/types.ts Entry). */
export interface RaftEntryLike {
  readonly index: number;
  readonly kind: 'normal' | 'confChange';
  readonly data: Uint8Array;
}

function reject(rejection: Rejection): ApplyResult {
  return { ok: false, rejection };
}

/**
 * A put's inline bytes (null for a chunked or empty file), or why its sizes do not add up. Inline
 * content replaces chunks: it must be the whole file, and not empty (an empty file has neither).
 */
function inlineContentOf(cmd: PutCommand): Uint8Array | null | string {
  if (cmd.inline === undefined) {
    const chunkBytes = cmd.chunks.reduce((sum, c) => sum + c.size, 0);
    return chunkBytes === cmd.size ? null : `chunk sizes add up to ${chunkBytes} bytes, not the file size ${cmd.size}`;
  }
  if (cmd.chunks.length > 0) return 'a put carries either inline content or chunks, not both';
  const content = Buffer.from(cmd.inline, 'base64');
  if (content.length === 0 || content.length !== cmd.size) return `inline content of ${content.length} bytes for a file of ${cmd.size}`;
  return content;
}

/** The chunk list of an inline or empty file: one shared array instead of one per record. */
const NO_CHUNKS: readonly ChunkRef[] = Object.freeze([]);

/**
 * A put's chunk list as its record keeps it. A file of one chunk has that chunk's hash as its
 * SHA-256: the record shares that one string instead of holding two equal 64-character copies
 * (with 100,000 files in memory, every byte per record counts).
 */
function recordChunks(cmd: PutCommand): readonly ChunkRef[] {
  if (cmd.chunks.length === 0) return NO_CHUNKS;
  return cmd.chunks.map((c) => ({ hash: c.hash === cmd.sha256 ? cmd.sha256 : c.hash, size: c.size }));
}

export class StateMachine {
  private readonly catalog: FileCatalog;
  private readonly locks = new LockTable();
  private readonly requests = new RequestTable();
  private readonly config: ClusterConfig;
  private appliedIndex = 0;
  private logTime = 0;
  private requestWatcher: ((requestId: string, index: number, result: ApplyResult) => void) | undefined;

  /**
   * `timingDefaults`: the Raft timeouts this node runs with until the log sets one (a local
   * cluster's are shorter). They never decide an entry's outcome (see ClusterConfig).
   * `contentBytes`: where small files' bytes are kept; in memory unless given (a node keeps them in
   * a pack file, storage/content-pack.ts). Where they are never changes what any command does.
   */
  constructor(timingDefaults?: Readonly<RaftTiming>, contentBytes?: ContentBytes) {
    this.config = new ClusterConfig(timingDefaults);
    this.catalog = new FileCatalog(contentBytes);
  }

  /** Builds a state machine holding exactly the state a snapshot captured. */
  static fromSnapshot(bytes: Uint8Array): StateMachine {
    const machine = new StateMachine();
    machine.restore(bytes);
    return machine;
  }

  // ---- Applying entries -------------------------------------------------------------------

  /**
   * Applies the data of a committed normal entry. Empty data (the leader's no-op) only advances
   * the applied index. Data that does not decode is rejected as bad_request rather than thrown:
   * a committed entry can never be removed, so throwing would stop every replica at it forever.
   * Except a command of a newer format than this build reads: that stops this replica alone, and
   * loudly, since skipping it would leave it diverged from those that applied it; an upgrade heals.
   */
  applyEntry(index: number, data: Uint8Array): ApplyResult {
    if (data.length === 0) return this.markApplied(index);
    this.advanceIndex(index);
    let command: Command;
    try {
      command = decodeCommand(data);
    } catch (err) {
      if (!(err instanceof CommandDecodeError) || err.newerFormat !== undefined) throw err;
      return reject({ code: 'bad_request', detail: err.message });
    }
    return this.applyValid(index, command, (data[0] as number) >= REFUSALS_RECORDED_FORMAT);
  }

  /**
   * Applies a committed Raft entry as the driver holds it: normal entries carry a command (or
   * nothing, for the leader's no-op); membership changes were already applied to Raft and only
   * advance the applied index here.
   */
  applyRaftEntry(entry: RaftEntryLike): ApplyResult {
    return entry.kind === 'normal' ? this.applyEntry(entry.index, entry.data) : this.markApplied(entry.index);
  }

  /** Records that an entry without a command (no-op, membership change) was applied. */
  markApplied(index: number): Applied {
    this.advanceIndex(index);
    return { ok: true, type: 'noop' };
  }

  /**
   * Applies one command at Raft index `index`, which must be greater than every index applied
   * before. The command is validated again here: entries are data from the log, and a malformed
   * one is rejected identically on every replica. `format`: the command format it stands for
   * (whether a refusal is recorded), the newest unless given.
   */
  apply(index: number, command: Command, format: number = COMMAND_FORMATS.max): ApplyResult {
    this.advanceIndex(index);
    let valid: Command;
    try {
      valid = parseCommand(command);
    } catch (err) {
      if (!(err instanceof CommandDecodeError) || err.newerFormat !== undefined) throw err;
      return reject({ code: 'bad_request', detail: err.message });
    }
    return this.applyValid(index, valid, format >= REFUSALS_RECORDED_FORMAT);
  }

  /** `recordsRefusals`: the entry is of a format whose refused writes are recorded (REFUSALS_RECORDED_FORMAT). */
  private applyValid(index: number, command: Command, recordsRefusals: boolean): ApplyResult {
    const expiredLocks = this.advanceTime(command.at);
    switch (command.type) {
      case 'put':
        return this.told(index, command, this.repeatOutcome(command)?.result ?? this.recorded(index, command, this.put(index, command), recordsRefusals));
      case 'delete':
        return this.told(index, command, this.repeatOutcome(command)?.result ?? this.recorded(index, command, this.delete(command), recordsRefusals));
      case 'lockAcquire':
        return this.lockAcquire(command);
      case 'lockRenew':
        return this.lockRenew(command);
      case 'lockRelease':
        return this.lockRelease(command);
      case 'configSet':
        return this.configSet(command);
      case 'tick':
        return { ok: true, type: 'tick', expiredLocks };
    }
  }

  private advanceIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.appliedIndex) {
      throw new FsmInvariantError(`entry ${index} applied after entry ${this.appliedIndex}`);
    }
    this.appliedIndex = index;
  }

  private advanceTime(at: number): string[] {
    this.logTime = Math.max(this.logTime, at);
    this.requests.expire(this.logTime);
    return this.locks.expire(this.logTime);
  }

  /**
   * How a put or delete is answered from the request table, with the index of the entry that
   * decided it: the first outcome of a write whose request id was applied before (a refusal only
   * to another copy of the same proposal). Undefined for a new write, and for a new attempt at one
   * that was refused: it is checked afresh. Changes nothing.
   */
  repeatOutcome(cmd: PutCommand | DeleteCommand): { index: number; result: ApplyResult } | undefined {
    const first = cmd.requestId === undefined ? undefined : this.requests.get(cmd.requestId);
    if (first === undefined) return undefined;
    if (isRefusal(first)) {
      const sameProposal = first.proposedAt === cmd.at && first.type === cmd.type && first.name === cmd.name && (cmd.type !== 'put' || first.sha256 === cmd.sha256);
      return sameProposal ? { index: first.index, result: reject(first.rejection) } : undefined;
    }
    const same = first.type === cmd.type && first.file.name === cmd.name && (cmd.type !== 'put' || first.file.sha256 === cmd.sha256);
    if (!same) return { index: first.index, result: reject({ code: 'request_id_reused', requestId: first.id, name: first.file.name }) };
    const result: ApplyResult =
      first.type === 'put' ? { ok: true, type: 'put', file: first.file, previous: null, repeatOf: first.index } : { ok: true, type: 'delete', file: first.file, repeatOf: first.index };
    return { index: first.index, result };
  }

  /**
   * Tells the watcher (watchRequests) how a write that carries a request id ended, whatever the
   * outcome. It only observes: nothing it does feeds back into the state.
   */
  private told(index: number, cmd: PutCommand | DeleteCommand, result: ApplyResult): ApplyResult {
    if (cmd.requestId !== undefined && this.requestWatcher !== undefined) this.requestWatcher(cmd.requestId, index, result);
    return result;
  }

  /**
   * Hears the outcome of every write applied with a request id, as it applies (one watcher): a
   * follower that relayed a write to the leader answers its client from here
   * (services/proposal-relay.ts).
   */
  watchRequests(watcher: (requestId: string, index: number, result: ApplyResult) => void): void {
    this.requestWatcher = watcher;
  }

  /**
   * Keeps a write's outcome under its request id, for a repeat to be answered from: a success, and
   * with `recordsRefusals` a refusal too.
   */
  private recorded(index: number, cmd: PutCommand | DeleteCommand, result: ApplyResult, recordsRefusals: boolean): ApplyResult {
    if (cmd.requestId === undefined) return result;
    if (result.ok && (result.type === 'put' || result.type === 'delete')) {
      this.requests.record({ id: cmd.requestId, index, at: this.logTime, type: result.type, file: result.file });
    } else if (!result.ok && recordsRefusals) {
      this.requests.record({
        id: cmd.requestId,
        index,
        at: this.logTime,
        type: cmd.type,
        name: cmd.name,
        ...(cmd.type === 'put' && { sha256: cmd.sha256 }),
        proposedAt: cmd.at,
        rejection: result.rejection,
      });
    }
    return result;
  }

  private put(index: number, cmd: PutCommand): ApplyResult {
    const nameProblem = this.checkName(cmd.name);
    if (nameProblem) return reject(nameProblem);
    const content = inlineContentOf(cmd);
    if (typeof content === 'string') return reject({ code: 'bad_request', detail: content });
    const lockProblem = this.checkWriteAccess(cmd.name, cmd.lockToken);
    if (lockProblem) return reject(lockProblem);
    const previous = this.catalog.get(cmd.name);
    const versionProblem = this.checkExpected(cmd.name, previous, cmd);
    if (versionProblem) return reject(versionProblem);

    const { storageQuota: limit, maxFileBytes } = this.config.current();
    if (cmd.size > limit) return reject({ code: 'file_too_large', name: cmd.name, size: cmd.size, limit });
    // The writer refuses an oversized file before storing it; this holds the limit for a write
    // whose maxFileBytes was lowered between that check and its commit, on every replica alike.
    if (cmd.size > maxFileBytes) return reject({ code: 'file_too_large', name: cmd.name, size: cmd.size, limit: maxFileBytes, setting: 'maxFileBytes' });
    const used = this.catalog.totals().bytes;
    const growth = cmd.size - (previous?.size ?? 0);
    // Only growth is refused: after the quota was lowered below usage, shrinking files still works.
    if (growth > 0 && used + growth > limit) {
      return reject({ code: 'quota_exceeded', name: cmd.name, used, limit, requested: cmd.size });
    }

    const file: FileRecord = {
      name: cmd.name,
      size: cmd.size,
      sha256: cmd.sha256,
      chunks: recordChunks(cmd),
      ...(cmd.md5 !== undefined && { md5: cmd.md5 }),
      ...(cmd.meta !== undefined && { meta: cmd.meta }),
      // The name's own counter, 1 on its first write: readable, and the same on every replica.
      version: (previous?.version ?? 0) + 1,
      revision: index,
      createdAt: previous?.createdAt ?? this.logTime,
      modifiedAt: this.logTime,
    };
    this.catalog.set(file, content ?? undefined);
    return { ok: true, type: 'put', file, previous: previous ?? null };
  }

  private delete(cmd: DeleteCommand): ApplyResult {
    const nameProblem = this.checkName(cmd.name);
    if (nameProblem) return reject(nameProblem);
    const lockProblem = this.checkWriteAccess(cmd.name, cmd.lockToken);
    if (lockProblem) return reject(lockProblem);
    const previous = this.catalog.get(cmd.name);
    if (previous === undefined) return reject({ code: 'not_found', name: cmd.name });
    const versionProblem = this.checkExpected(cmd.name, previous, cmd);
    if (versionProblem) return reject(versionProblem);
    this.catalog.delete(cmd.name);
    return { ok: true, type: 'delete', file: previous };
  }

  private lockAcquire(cmd: LockAcquireCommand): ApplyResult {
    const nameProblem = this.checkName(cmd.name);
    if (nameProblem) return reject(nameProblem);
    // A live lease is never taken over, not even by the same owner: owners are names clients
    // choose, only the token proves who holds the lease.
    const held = this.locks.get(cmd.name);
    if (held) return reject({ code: 'locked', name: cmd.name, owner: held.owner, expiresAt: held.expiresAt });
    const lock: LockRecord = {
      name: cmd.name,
      owner: cmd.owner,
      token: cmd.token,
      acquiredAt: this.logTime,
      expiresAt: this.logTime + cmd.ttlMs,
    };
    this.locks.set(lock);
    return { ok: true, type: 'lockAcquire', lock };
  }

  private lockRenew(cmd: LockRenewCommand): ApplyResult {
    const held = this.heldLock(cmd.name, cmd.token);
    if ('code' in held) return reject(held);
    const lock: LockRecord = { ...held, expiresAt: this.logTime + cmd.ttlMs };
    this.locks.set(lock);
    return { ok: true, type: 'lockRenew', lock };
  }

  private lockRelease(cmd: LockReleaseCommand): ApplyResult {
    const held = this.heldLock(cmd.name, cmd.token);
    if ('code' in held) return reject(held);
    this.locks.delete(cmd.name);
    return { ok: true, type: 'lockRelease', lock: held };
  }

  private configSet(cmd: ConfigSetCommand): ApplyResult {
    // Against the replicated values, never this node's own defaults: every replica must agree.
    const result = validateConfigPatch(cmd.patch, this.config.replicated());
    if (!result.ok) return reject({ code: 'config_invalid', detail: describeConfigIssues(result.issues) });
    const nodeKeys = Object.keys(result.node);
    if (nodeKeys.length > 0) {
      return reject({ code: 'config_invalid', detail: `${nodeKeys.join(', ')}: node-scope settings are not replicated` });
    }
    this.config.set(result.cluster, cmd.source ?? 'api');
    return { ok: true, type: 'configSet', config: this.config.current() };
  }

  /** Names in entries must already be in stored form; the API normalises before proposing. */
  private checkName(name: string): Rejection | undefined {
    const result = validateFileName(name);
    if (!result.ok) return { code: 'name_invalid', name, problem: result.problem, detail: result.detail };
    if (result.name !== name) return { code: 'name_invalid', name, problem: 'not_normalized', detail: 'file name is not NFC-normalised' };
    return undefined;
  }

  /** A locked name is writable only with the holder's token; a token for no live lease is stale. */
  private checkWriteAccess(name: string, lockToken: string | undefined): Rejection | undefined {
    const held = this.locks.get(name);
    if (held) {
      if (lockToken !== held.token) return { code: 'locked', name, owner: held.owner, expiresAt: held.expiresAt };
      return undefined;
    }
    if (lockToken !== undefined) return { code: 'lock_token_invalid', name, reason: 'no_active_lock' };
    return undefined;
  }

  /** Compare-and-set: each of expectedVersion and expectedRevision given must match (0: no such file). */
  private checkExpected(name: string, current: FileRecord | undefined, expected: { expectedVersion?: number; expectedRevision?: number }): Rejection | undefined {
    const actualVersion = current?.version ?? 0;
    if (expected.expectedVersion !== undefined && expected.expectedVersion !== actualVersion) {
      return { code: 'conflict', name, expectedVersion: expected.expectedVersion, actualVersion };
    }
    const actualRevision = current?.revision ?? 0;
    if (expected.expectedRevision !== undefined && expected.expectedRevision !== actualRevision) {
      return { code: 'conflict', name, expectedRevision: expected.expectedRevision, actualRevision };
    }
    return undefined;
  }

  private heldLock(name: string, token: string): LockRecord | Rejection {
    const nameProblem = this.checkName(name);
    if (nameProblem) return nameProblem;
    const held = this.locks.get(name);
    if (!held) return { code: 'lock_token_invalid', name, reason: 'no_active_lock' };
    if (held.token !== token) return { code: 'lock_token_invalid', name, reason: 'token_mismatch' };
    return held;
  }

  // ---- Queries ----------------------------------------------------------------------------

  /** Index of the last applied entry (0 before any). */
  lastApplied(): number {
    return this.appliedIndex;
  }

  /** Log time: the largest `at` applied so far, ms since the epoch. */
  now(): number {
    return this.logTime;
  }

  get(name: string): FileRecord | undefined {
    return this.catalog.get(name);
  }

  /** Files in name order, filtered by prefix, one page at a time. */
  list(options?: ListOptions): ListPage {
    return this.catalog.list(options);
  }

  totals(): { files: number; bytes: number } {
    return this.catalog.totals();
  }

  /** Bytes of small files' contents the state holds in memory (each distinct content once). */
  inlineBytesHeld(): number {
    return this.catalog.inlineBytes();
  }

  /** The bytes of a small file (no chunks) with this SHA-256, while a file holds them. */
  inlineContent(sha256: string): Uint8Array | undefined {
    return this.catalog.inlineContent(sha256);
  }

  referencedChunkHashes(): string[] {
    return this.catalog.referencedChunkHashes();
  }

  /** Every chunk some file uses, hash → size (what a node must hold). */
  chunkSizes(): Map<string, number> {
    return this.catalog.chunkSizes();
  }

  isChunkReferenced(hash: string): boolean {
    return this.catalog.isChunkReferenced(hash);
  }

  /** The live lease on a name, as of the last applied entry. */
  lockOf(name: string): LockRecord | undefined {
    return this.locks.get(name);
  }

  /** The outcome a request id stands for, while it is recorded (it then has been applied, so committed): a write, or a refusal. */
  recordedRequest(id: string): RecordedRequest | undefined {
    return this.requests.get(id);
  }

  /** All live leases as of the last applied entry, sorted by name. */
  listLocks(): LockRecord[] {
    return this.locks.list();
  }

  clusterConfig(): Readonly<ClusterSettings> {
    return this.config.current();
  }

  /** Cluster settings with the source of each (default, or the source named by configSet). */
  clusterConfigLayered(): LayeredSettings<ClusterSettings> {
    return this.config.layered();
  }

  // ---- Snapshots --------------------------------------------------------------------------

  /** The whole state in one snapshot that carries small files' bytes (format 4, or earlier for a state without them). */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.captureState());
  }

  /**
   * The snapshot the node keeps for itself, in pieces made as they are taken: for writing a large
   * state out without holding its whole encoding. They are the state at the call (captureState),
   * however many commands apply before the last piece is taken. With a durable content store the
   * snapshot names small files' contents instead of carrying them (format 5); sent to a peer, they
   * follow it (node/snapshot-contents.ts), or, to an older release, go back inside (withContentBytes).
   */
  snapshotPieces(): Generator<Uint8Array, void, undefined> {
    return encodeSnapshotPieces(this.captureState(!this.catalog.namesContents()));
  }

  /**
   * The state as it is now, for a snapshot or a backup: lists of its records, taken now. Records
   * are replaced, never changed, so later commands do not reach into it. Small files' contents
   * with their bytes as held now, unless `withBytes` is false (named only).
   */
  captureState(withBytes = true): SnapshotState {
    return {
      appliedIndex: this.appliedIndex,
      logTime: this.logTime,
      files: this.catalog.all(),
      contents: this.catalog.inlineContents(this.appliedIndex, withBytes),
      locks: this.locks.list(),
      config: this.config.overrides(),
      requests: this.requests.list(),
    };
  }

  /** Replaces the whole state with a snapshot's; on SnapshotFormatError the state is untouched. */
  restore(bytes: Uint8Array): void {
    const state = decodeSnapshot(bytes);
    if (state.contents.some((c) => c.read === undefined) && !this.catalog.namesContents()) {
      throw new SnapshotFormatError('it names small files\' contents kept on the node that took it; this state machine keeps contents in memory');
    }
    this.catalog.load(state.files, state.contents);
    this.locks.clear();
    for (const lock of state.locks) this.locks.set(lock);
    this.config.load(state.config);
    this.requests.load(state.requests);
    this.appliedIndex = state.appliedIndex;
    this.logTime = state.logTime;
  }
}
