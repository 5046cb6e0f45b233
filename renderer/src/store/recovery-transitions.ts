// What the dashboard learns by comparing consecutive snapshots: recovery events (a node went
// down or came back, installed a snapshot, finished a scrub). Pure.
import type { ClusterSnapshot, ManagedNode } from '../../../node-runtime/common/manager-api';
import { formatBytes, formatCount } from '../format/units';
import type { RecoveryEvent } from './state';

export const MAX_RECOVERY_EVENTS = 500;

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

/** `events` with what changed from `previous` to `next` added, newest last. */
export function recoveryEventsAfter(events: readonly RecoveryEvent[], previous: ClusterSnapshot | null, next: ClusterSnapshot): readonly RecoveryEvent[] {
  if (previous === null) return events;
  const added: RecoveryEvent[] = [];
  for (const node of next.nodes) {
    const before = previous.nodes.find((n) => n.id === node.id);
    if (before !== undefined) added.push(...transitions(before, node, next.updatedAt));
  }
  return added.length === 0 ? events : [...events, ...added].slice(-MAX_RECOVERY_EVENTS);
}
