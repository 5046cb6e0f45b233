// The application the simulated cluster replicates: a tiny key-value register set. Each write
// carries a unique proposal id (also the value written), so a read can be traced to the write it
// observed, and retried proposals are applied once (the id doubles as a client session).
//
// `chain` is a running hash over every applied entry: two state machines at the same index with
// the same chain applied the same sequence, which lets snapshots be checked cheaply.

import type { Entry } from '../../node-runtime/raft/index';

export const KEY_COUNT = 4;

export interface Command {
  readonly proposalId: number;
  readonly key: number;
}

export function encodeCommand(cmd: Command): Uint8Array {
  const bytes = new Uint8Array(5);
  new DataView(bytes.buffer).setUint32(0, cmd.proposalId);
  bytes[4] = cmd.key;
  return bytes;
}

export function decodeCommand(data: Uint8Array): Command {
  if (data.length !== 5) throw new Error(`state machine: a command is 5 bytes, got ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { proposalId: view.getUint32(0), key: data[4] as number };
}

/** FNV-1a over the entry's identity and payload, folded into the previous hash. */
export function digestEntry(prev: number, e: Entry): number {
  let h = (prev ^ 0x811c9dc5) >>> 0;
  const mix = (byte: number): void => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const n of [e.index, e.term, e.kind === 'normal' ? 1 : 2, e.data.length]) {
    mix(n);
    mix(n >>> 8);
    mix(n >>> 16);
    mix(n >>> 24);
  }
  for (const byte of e.data) mix(byte);
  return h;
}

interface SnapshotBody {
  readonly applied: number;
  readonly chain: number;
  readonly kv: [number, number][];
  readonly seen: number[];
}

export class KvStateMachine {
  private constructor(
    public applied: number,
    public chain: number,
    private readonly kv: Map<number, number>,
    private readonly seen: Set<number>,
  ) {}

  /** A fresh state machine whose history starts after `index` (0 for a new cluster). */
  static empty(index: number): KvStateMachine {
    return new KvStateMachine(index, 0, new Map(), new Set());
  }

  /** Restores from snapshot data; empty data is the bootstrap snapshot of an empty machine. */
  static restore(index: number, data: Uint8Array): KvStateMachine {
    if (data.length === 0) return KvStateMachine.empty(index);
    const body = JSON.parse(new TextDecoder().decode(data)) as SnapshotBody;
    if (body.applied !== index) {
      throw new Error(`state machine: snapshot at index ${index} holds a state applied up to ${body.applied}`);
    }
    return new KvStateMachine(body.applied, body.chain, new Map(body.kv), new Set(body.seen));
  }

  encode(): Uint8Array {
    const body: SnapshotBody = { applied: this.applied, chain: this.chain, kv: [...this.kv], seen: [...this.seen] };
    return new TextEncoder().encode(JSON.stringify(body));
  }

  /** Applies the next entry. Returns the write's command when it took effect for the first time. */
  apply(e: Entry): Command | undefined {
    if (e.index !== this.applied + 1) {
      throw new Error(`state machine: applying index ${e.index} after ${this.applied}`);
    }
    this.applied = e.index;
    this.chain = digestEntry(this.chain, e);
    if (e.kind !== 'normal' || e.data.length === 0) return undefined;
    const cmd = decodeCommand(e.data);
    if (this.seen.has(cmd.proposalId)) return undefined;
    this.seen.add(cmd.proposalId);
    this.kv.set(cmd.key, cmd.proposalId);
    return cmd;
  }

  /** The proposal id last written to `key`, or 0 if none. */
  read(key: number): number {
    return this.kv.get(key) ?? 0;
  }
}
