// A tiny in-test network for scenario tests: RawNodes with MemoryStorage, a FIFO of messages, and
// cut links. Each node's Ready is handled exactly as a driver must: persist, send, apply, advance.
// (The large randomized simulator lives in test/sim/.)

import { decodeConfChange } from '../../../node-runtime/raft/codec';
import { MemoryStorage } from '../../../node-runtime/raft/memory-storage';
import { RawNode } from '../../../node-runtime/raft/rawnode';
import type { RawNodeConfig } from '../../../node-runtime/raft/rawnode';
import type { ConfState, Entry, Message, NodeId, ReadState, Status } from '../../../node-runtime/raft/types';

export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 1;

/** A seeded generator (mulberry32), so every scenario replays identically. */
export function seededRandom(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export type NodeOptions = Partial<Omit<RawNodeConfig, 'id' | 'storage' | 'random'>>;

export interface TestNode {
  readonly id: NodeId;
  raw: RawNode;
  readonly storage: MemoryStorage;
  readonly options: NodeOptions;
  /** Every entry this node applied, in order. */
  applied: Entry[];
  readStates: ReadState[];
  confState: ConfState | undefined;
  up: boolean;
}

const text = new TextEncoder();
export const bytes = (s: string): Uint8Array => text.encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** One line per message, for scripted tests that read like a protocol trace. */
export function describeMessage(m: Message): string {
  const parts = [`${m.from}→${m.to} ${m.type} term=${m.term}`];
  if (m.type === 'vote' || m.type === 'preVote') parts.push(`last=${m.index}@${m.logTerm}`);
  if (m.type === 'app') parts.push(`prev=${m.index}@${m.logTerm} entries=[${m.entries.map((e) => `${e.index}@${e.term}`).join(',')}] commit=${m.commit}`);
  if (m.type === 'appResp') parts.push(m.reject ? `reject index=${m.index} hint=${m.rejectHint}@${m.logTerm}` : `index=${m.index}`);
  if (m.type === 'heartbeat') parts.push(`commit=${m.commit}`);
  if ((m.type === 'voteResp' || m.type === 'preVoteResp') && m.reject) parts.push('reject');
  return parts.join(' ');
}

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  private queue: Message[] = [];
  private readonly cut = new Set<string>();
  /** Every message delivered or dropped so far, for assertions on traffic. */
  readonly sent: Message[] = [];
  /** Return false to drop a message. */
  filter: ((m: Message) => boolean) | undefined;

  /** Nodes `ids` form a new cluster: all voters unless `learners` names some of them. */
  constructor(ids: readonly NodeId[], options: NodeOptions = {}, learners: readonly NodeId[] = []) {
    const voters = ids.filter((id) => !learners.includes(id));
    for (const id of ids) this.add(id, MemoryStorage.withVoters(voters, learners), options);
  }

  /** Starts a node on `storage` (an empty MemoryStorage for a node that joins later). */
  add(id: NodeId, storage: MemoryStorage = new MemoryStorage(), options: NodeOptions = {}): TestNode {
    const node: TestNode = {
      id,
      raw: this.newRaw(id, storage, options, 0),
      storage,
      options,
      applied: [],
      readStates: [],
      confState: undefined,
      up: true,
    };
    this.nodes.set(id, node);
    return node;
  }

  private newRaw(id: NodeId, storage: MemoryStorage, options: NodeOptions, applied: number): RawNode {
    return new RawNode({
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      ...options,
      id,
      storage,
      random: seededRandom(id),
      applied,
    });
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: NodeId): RawNode {
    return this.node(id).raw;
  }

  status(id: NodeId): Status {
    return this.raw(id).status();
  }

  /** Crash: unpersisted state and in-flight messages to the node are lost; storage survives. */
  crash(id: NodeId): void {
    this.node(id).up = false;
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    const appliedIndex = n.storage.snapshot().metadata.index;
    n.applied = n.applied.filter((e) => e.index <= appliedIndex);
    n.raw = this.newRaw(id, n.storage, n.options, appliedIndex);
    n.up = true;
    // As a driver does on start: re-apply what is committed (a node with an unapplied
    // membership change in its log does not campaign until it has applied it).
    this.processReady(n);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}-${b}`);
    this.cut.add(`${b}-${a}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Handles every pending Ready of every live node, then delivers messages until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      for (const n of this.nodes.values()) if (n.up) this.processReady(n);
      if (this.queue.length === 0) return;
      this.deliverAll();
    }
    throw new Error('network did not stabilize');
  }

  /** Delivers the messages queued so far (not those they cause). */
  deliverAll(): void {
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) this.deliver(m);
  }

  /** Takes the queued messages without delivering them (to reorder, drop or inspect). */
  takeMessages(): Message[] {
    for (const n of this.nodes.values()) if (n.up) this.processReady(n);
    const batch = this.queue;
    this.queue = [];
    return batch;
  }

  deliver(m: Message): void {
    this.sent.push(m);
    const to = this.nodes.get(m.to);
    if (to === undefined || !to.up || this.cut.has(`${m.from}-${m.to}`)) return;
    if (this.filter !== undefined && !this.filter(m)) return;
    to.raw.step(m);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.raw(id).tick();
  }

  /** Ticks every live node `times` times, stabilizing after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) if (n.up) n.raw.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign and settles the election. */
  elect(id: NodeId): void {
    this.raw(id).campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): void {
    const r = this.raw(id).propose(bytes(data));
    if (!r.ok) throw new Error(`proposal on ${id} refused: ${JSON.stringify(r)}`);
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.up && n.raw.status().role === 'leader').map((n) => n.id);
  }

  /** Application data (non-empty normal entries) node `id` applied, as strings. */
  appliedData(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.kind === 'normal' && e.data.byteLength > 0)
      .map((e) => str(e.data));
  }

  processReady(n: TestNode): void {
    while (n.raw.hasReady()) {
      const rd = n.raw.ready();
      if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
      n.storage.append(rd.entries);
      if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
      for (const m of rd.messages) this.queue.push(m);
      if (rd.snapshot !== undefined) {
        n.applied = [];
        n.confState = rd.snapshot.metadata.confState;
      }
      for (const e of rd.committedEntries) {
        if (e.kind === 'confChange') n.confState = n.raw.applyConfChange(decodeConfChange(e.data));
        n.applied.push(e);
      }
      for (const rs of rd.readStates) n.readStates.push(rs);
      n.raw.advance(rd);
    }
  }
}
