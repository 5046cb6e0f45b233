// Compact binary encoding of Raft messages for the peer stream. One message is a self-delimiting
// record; a frame payload is simply several records back to back, so a batch is built by
// concatenating already-encoded messages without re-encoding them.
//
// Record layout (varint = unsigned LEB128):
//   u8 type · u8 flags (1 reject, 2 snapshot, 4 context) · varint from, to, term, logTerm, index,
//   commit, rejectHint · varint entryCount · entries (varint term, varint index, u8 kind, bytes data)
//   · [snapshot: varint index, varint term, 4 × id lists, u8 autoLeave, bytes data] · [string context]
import type { ConfState, Entry, EntryKind, Message, MessageType, Snapshot } from '../raft/types';
import { ByteReader, ByteWriter, MAX_VARINT_BYTES } from './bytes';
import { CodecError } from './errors';

// Append-only: the position is the wire value, so new types go at the end.
const MESSAGE_TYPES: readonly MessageType[] = [
  'app', 'appResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'heartbeat', 'heartbeatResp',
  'snap', 'timeoutNow', 'readIndex', 'readIndexResp', 'prop', 'transferLeader',
];
const ENTRY_KINDS: readonly EntryKind[] = ['normal', 'confChange'];

const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_CONTEXT = 4;

/** Upper bound of a message's encoded size, so the writer allocates once. */
function encodedSizeBound(m: Message): number {
  let size = 2 + 8 * MAX_VARINT_BYTES;
  for (const e of m.entries) size += 2 * MAX_VARINT_BYTES + 1 + MAX_VARINT_BYTES + e.data.length;
  if (m.snapshot) {
    const cs = m.snapshot.metadata.confState;
    const ids = cs.voters.length + cs.learners.length + cs.votersOutgoing.length + cs.learnersNext.length;
    size += (2 + 4 + ids + 1) * MAX_VARINT_BYTES + 1 + m.snapshot.data.length;
  }
  // UTF-8 needs at most 3 bytes per UTF-16 code unit; the writer stages the text past a full varint slot.
  if (m.context !== undefined) size += 2 * MAX_VARINT_BYTES + 3 * m.context.length;
  return size;
}

export function encodeMessage(m: Message): Buffer {
  const type = MESSAGE_TYPES.indexOf(m.type);
  if (type < 0) throw new CodecError(`unknown message type ${String(m.type)}`);
  const w = new ByteWriter(encodedSizeBound(m));
  w.u8(type);
  w.u8((m.reject ? FLAG_REJECT : 0) | (m.snapshot ? FLAG_SNAPSHOT : 0) | (m.context !== undefined ? FLAG_CONTEXT : 0));
  for (const n of [m.from, m.to, m.term, m.logTerm, m.index, m.commit, m.rejectHint]) w.varint(n);
  w.varint(m.entries.length);
  for (const e of m.entries) {
    w.varint(e.term);
    w.varint(e.index);
    w.u8(ENTRY_KINDS.indexOf(e.kind));
    w.bytes(e.data);
  }
  if (m.snapshot) writeSnapshot(w, m.snapshot);
  if (m.context !== undefined) w.string(m.context);
  return w.finish();
}

function writeSnapshot(w: ByteWriter, s: Snapshot): void {
  const { index, term, confState } = s.metadata;
  w.varint(index);
  w.varint(term);
  for (const ids of [confState.voters, confState.learners, confState.votersOutgoing, confState.learnersNext]) {
    w.varint(ids.length);
    for (const id of ids) w.varint(id);
  }
  w.u8(confState.autoLeave ? 1 : 0);
  w.bytes(s.data);
}

/** Decodes every message in a frame payload; throws CodecError on anything malformed. */
export function decodeMessages(payload: Uint8Array): Message[] {
  const r = new ByteReader(payload);
  const messages: Message[] = [];
  while (!r.done) messages.push(readMessage(r));
  return messages;
}

function readMessage(r: ByteReader): Message {
  const type = MESSAGE_TYPES[r.u8()];
  if (type === undefined) throw new CodecError('unknown message type');
  const flags = r.u8();
  const [from, to, term, logTerm, index, commit, rejectHint] = [r.varint(), r.varint(), r.varint(), r.varint(), r.varint(), r.varint(), r.varint()] as const;
  const entryCount = r.count();
  const entries: Entry[] = [];
  for (let i = 0; i < entryCount; i++) {
    const entryTerm = r.varint();
    const entryIndex = r.varint();
    const kind = ENTRY_KINDS[r.u8()];
    if (kind === undefined) throw new CodecError('unknown entry kind');
    entries.push({ term: entryTerm, index: entryIndex, kind, data: r.bytes() });
  }
  const message: Message = { type, from, to, term, logTerm, index, entries, commit, reject: (flags & FLAG_REJECT) !== 0, rejectHint };
  const snapshot = flags & FLAG_SNAPSHOT ? readSnapshot(r) : undefined;
  const context = flags & FLAG_CONTEXT ? r.string() : undefined;
  return { ...message, ...(snapshot && { snapshot }), ...(context !== undefined && { context }) };
}

function readSnapshot(r: ByteReader): Snapshot {
  const index = r.varint();
  const term = r.varint();
  const readIds = (): number[] => Array.from({ length: r.count() }, () => r.varint());
  const voters = readIds();
  const learners = readIds();
  const votersOutgoing = readIds();
  const learnersNext = readIds();
  const confState: ConfState = { voters, learners, votersOutgoing, learnersNext, autoLeave: r.u8() === 1 };
  return { metadata: { index, term, confState }, data: r.bytes() };
}
