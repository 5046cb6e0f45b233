// Each time a node was out (down, paused, stopped or cut off from its peers) and came back, one
// catch-up with its own totals: the log entries it received, the chunks and bytes it fetched
// between coming back and being whole again, and when that was. A node's recovery report counts
// chunks and bytes over its whole run, so one catch-up's totals are what those counters grew by
// during it (from zero for a restarted node: a new run counts afresh).
//
// A pure fold over the manager's records, live or from the journal: snapshots say when a node is
// out and back (the manager's view), the node's own events say where its log and counters stand.
import type { ClusterSnapshot, JournalRecord } from '../../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { isCutOff } from '../../../node-runtime/common/partition-groups';

export type OutReason = 'down' | 'cutOff';

export interface CatchUp {
  /** Counts up from 1 in the order catch-ups began. */
  readonly id: number;
  readonly nodeId: number;
  /** Why it had to catch up: it was down (stopped, killed, paused) or cut off from its peers. */
  readonly reason: OutReason;
  readonly outAt: number;
  /** When it was back (answering, reconnected). */
  readonly startedAt: number;
  /** When it had every entry the cluster had committed when it came back and no chunk missing; null while it catches up. */
  readonly endedAt: number | null;
  readonly entries: number;
  readonly chunks: number;
  readonly bytes: number;
}

/** Where one node's log and fetch counters stood at its latest event. */
interface NodeTrack {
  /** The node's run (events' runStartedAt); null while only a snapshot told where it stood. */
  readonly run: number | null;
  readonly lastIndex: number;
  readonly appliedIndex: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly catchingUp: boolean;
}

/** What was true when a node went out: the baseline its catch-up is measured from. */
interface Outage {
  readonly since: number;
  readonly reason: OutReason;
  readonly base: NodeTrack;
}

/** The catch-up a node is in (or just finished, reopened if chunk fetching resumes). */
interface Current {
  readonly id: number;
  readonly base: NodeTrack;
  /** The commit index it has to reach: the cluster's when it came back. */
  readonly target: number;
}

export interface CatchUpHistory {
  readonly catchUps: readonly CatchUp[];
  readonly tracks: Readonly<Record<number, NodeTrack>>;
  readonly outages: Readonly<Record<number, Outage>>;
  readonly current: Readonly<Record<number, Current>>;
  /** The highest commit index any node reported (in an event, or answering the manager). */
  readonly clusterCommit: number;
}

export const NO_CATCH_UPS: CatchUpHistory = { catchUps: [], tracks: {}, outages: {}, current: {}, clusterCommit: 0 };

const MAX_CATCH_UPS = 200;
/**
 * A node looks at its fetch counters every 250 ms: chunks fetched just before it looked whole can
 * be reported this much later and still belong to the catch-up.
 */
const LATE_COUNTS_MS = 1_000;
const FRESH: Omit<NodeTrack, 'run'> = { lastIndex: 0, appliedIndex: 0, chunks: 0, bytes: 0, catchingUp: false };

export function foldCatchUps(history: CatchUpHistory, record: JournalRecord): CatchUpHistory {
  if (record.name === 'snapshot') return observeSnapshot(history, record.data, record.at);
  if (record.name === 'nodeEvent') return observeEvent(history, record.data, record.at);
  return history;
}

function observeEvent(history: CatchUpHistory, event: NodeEvent, at: number): CatchUpHistory {
  const known = history.tracks[event.node];
  // An event of an earlier run arriving late says nothing about the node now.
  if (known?.run != null && event.runStartedAt < known.run) return history;
  const track: NodeTrack =
    known === undefined || (known.run !== null && event.runStartedAt > known.run) ? { run: event.runStartedAt, ...FRESH } : known.run === null ? { ...known, run: event.runStartedAt } : known;
  let next = track;
  let clusterCommit = history.clusterCommit;
  if (event.type === 'progress') {
    next = { ...track, lastIndex: event.lastIndex, appliedIndex: event.appliedIndex };
    clusterCommit = Math.max(clusterCommit, event.commitIndex);
  } else if (event.type === 'catchUp') {
    next = { ...track, chunks: event.chunksFetched, bytes: event.bytesFetched, catchingUp: event.catchingUp };
  }
  if (known !== undefined && clusterCommit === history.clusterCommit && sameTrack(next, known)) return history;
  return settle({ ...history, clusterCommit, tracks: { ...history.tracks, [event.node]: next } }, event.node, at);
}

function sameTrack(a: NodeTrack, b: NodeTrack): boolean {
  return a.run === b.run && a.lastIndex === b.lastIndex && a.appliedIndex === b.appliedIndex && a.chunks === b.chunks && a.bytes === b.bytes && a.catchingUp === b.catchingUp;
}

function observeSnapshot(history: CatchUpHistory, snapshot: ClusterSnapshot, at: number): CatchUpHistory {
  const commits = snapshot.nodes.map((n) => (n.reachable ? (n.report?.status.commitIndex ?? 0) : 0));
  const clusterCommit = Math.max(history.clusterCommit, ...commits);
  let next = seedTracks(clusterCommit === history.clusterCommit ? history : { ...history, clusterCommit }, snapshot);
  for (const node of snapshot.nodes) {
    const reason: OutReason | null = !node.reachable ? 'down' : isCutOff(snapshot.nodes, node.id) ? 'cutOff' : null;
    const outage = next.outages[node.id];
    if (reason !== null && outage === undefined) next = goOut(next, node.id, reason, at);
    else if (reason === null && outage !== undefined) next = comeBack(next, node.id, outage, at);
  }
  return next;
}

/**
 * A node no event told of yet (the page opened while it was quiet): where its last report says it
 * stands, so a catch-up is measured from there and not from zero.
 */
function seedTracks(history: CatchUpHistory, snapshot: ClusterSnapshot): CatchUpHistory {
  const seeded: Record<number, NodeTrack> = {};
  for (const { id, report } of snapshot.nodes) {
    if (history.tracks[id] !== undefined || report == null) continue;
    const { lastIndex, appliedIndex } = report.status;
    const { chunksFetched: chunks = 0, bytesFetched: bytes = 0, catchingUp = false } = report.recovery ?? {};
    seeded[id] = { run: null, lastIndex, appliedIndex, chunks, bytes, catchingUp };
  }
  return Object.keys(seeded).length === 0 ? history : { ...history, tracks: { ...history.tracks, ...seeded } };
}

function goOut(history: CatchUpHistory, nodeId: number, reason: OutReason, at: number): CatchUpHistory {
  const base = history.tracks[nodeId] ?? { run: 0, ...FRESH };
  const { [nodeId]: _left, ...current } = history.current;
  return { ...history, current, outages: { ...history.outages, [nodeId]: { since: at, reason, base } } };
}

function comeBack(history: CatchUpHistory, nodeId: number, outage: Outage, at: number): CatchUpHistory {
  const { [nodeId]: _back, ...outages } = history.outages;
  const id = (history.catchUps.at(-1)?.id ?? 0) + 1;
  const entry: CatchUp = { id, nodeId, reason: outage.reason, outAt: outage.since, startedAt: at, endedAt: null, entries: 0, chunks: 0, bytes: 0 };
  const catchUps = [...history.catchUps, entry].slice(-MAX_CATCH_UPS);
  const current = { ...history.current, [nodeId]: { id, base: outage.base, target: history.clusterCommit } };
  return settle({ ...history, outages, catchUps, current }, nodeId, at);
}

/** Brings the node's current catch-up up to date: its totals, and whether it is over (or resumed). */
function settle(history: CatchUpHistory, nodeId: number, at: number): CatchUpHistory {
  const current = history.current[nodeId];
  const track = history.tracks[nodeId];
  const entry = current === undefined ? undefined : history.catchUps.find((c) => c.id === current.id);
  if (current === undefined || track === undefined || entry === undefined) return history;
  const whole = track.appliedIndex >= current.target && !track.catchingUp;
  if (whole && entry.endedAt !== null && at - entry.endedAt > LATE_COUNTS_MS) return history;
  // Counters start afresh with each run; a base whose run is unknown is of this run unless they went down.
  const sameRun = current.base.run === null ? track.chunks >= current.base.chunks && track.bytes >= current.base.bytes : track.run === current.base.run;
  const updated: CatchUp = {
    ...entry,
    endedAt: whole ? (entry.endedAt ?? at) : null,
    entries: Math.max(0, track.lastIndex - current.base.lastIndex),
    chunks: Math.max(0, track.chunks - (sameRun ? current.base.chunks : 0)),
    bytes: Math.max(0, track.bytes - (sameRun ? current.base.bytes : 0)),
  };
  return { ...history, catchUps: history.catchUps.map((c) => (c.id === entry.id ? updated : c)) };
}
