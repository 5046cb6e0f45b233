// What the dashboard learns by comparing consecutive snapshots: recovery events (a node went
// down, installed a snapshot, finished a scrub…); and each catch-up, folded from snapshots and
// node events (catch-up-history.ts).
import type { ClusterSnapshot, ManagedNode } from '../../../node-runtime/common/manager-api';
import { formatBytes, formatCount } from '../format/units';
import { foldCatchUps, NO_CATCH_UPS } from './catch-up-history';
import type { HistorySlice, RecoveryEvent, SliceCreator } from './state';

const MAX_RECOVERY_EVENTS = 500;

function transitions(before: ManagedNode, after: ManagedNode, time: number): RecoveryEvent[] {
  const events: RecoveryEvent[] = [];
  const add = (kind: RecoveryEvent['kind'], text: string) => events.push({ time, nodeId: after.id, kind, text });
  const reason = after.process === null ? '' : ` (${after.process.state}${after.process.reason === '' ? '' : `: ${after.process.reason}`})`;
  if (before.reachable && !after.reachable) add('nodeDown', `stopped answering${reason}`);
  if (!before.reachable && after.reachable) add('nodeUp', 'answering again');
  const was = before.report?.recovery;
  const now = after.report?.recovery;
  if (was === undefined || was === null || now === undefined || now === null) return events;
  if (!was.snapshot.inProgress && now.snapshot.inProgress) add('snapshotStarted', 'receiving a snapshot from the leader');
  if (was.snapshot.inProgress && !now.snapshot.inProgress) add('snapshotFinished', `snapshot installed (${formatBytes(now.snapshot.bytesReceived)})`);
  if (!was.scrub.running && now.scrub.running) add('scrubStarted', 'integrity scrub started');
  const run = now.scrub.lastRun;
  if (run !== null && run.finishedAt !== null && run.finishedAt !== was.scrub.lastRun?.finishedAt) {
    add(
      'scrubFinished',
      `scrub finished: ${formatCount(run.checked)} chunks checked, ${formatCount(run.corrupt)} corrupt, ${formatCount(run.repaired)} repaired` +
        (run.unrepairable > 0 ? `, ${formatCount(run.unrepairable)} unrepairable` : ''),
    );
  }
  return events;
}

/** Log events (the `event` field of a node's JSON line) that belong in the recovery history. */
const RECOVERY_LOG_EVENTS: Readonly<Record<string, RecoveryEvent['kind']>> = { scrubCorruptChunk: 'corruptChunk' };

export const createHistorySlice: SliceCreator<HistorySlice> = (set) => ({
  recoveryEvents: [],
  catchUpHistory: NO_CATCH_UPS,

  observeRecord(record) {
    set((s) => {
      const catchUpHistory = foldCatchUps(s.catchUpHistory, record);
      return catchUpHistory === s.catchUpHistory ? {} : { catchUpHistory };
    });
  },

  observeSnapshot(previous: ClusterSnapshot | null, next: ClusterSnapshot) {
    const events: RecoveryEvent[] = [];
    if (previous !== null) {
      for (const node of next.nodes) {
        const before = previous.nodes.find((n) => n.id === node.id);
        if (before !== undefined) events.push(...transitions(before, node, next.updatedAt));
      }
    }
    if (events.length === 0) return;
    set((s) => ({ recoveryEvents: [...s.recoveryEvents, ...events].slice(-MAX_RECOVERY_EVENTS) }));
  },

  observeLogLine(line) {
    const event = line.fields.event;
    const kind = typeof event === 'string' ? RECOVERY_LOG_EVENTS[event] : undefined;
    if (kind === undefined) return;
    set((s) => ({ recoveryEvents: [...s.recoveryEvents, { time: line.time, nodeId: line.nodeId, kind, text: line.msg }].slice(-MAX_RECOVERY_EVENTS) }));
  },
});
