// What happened, newest first: nodes going down and up, each catch-up with its own totals,
// snapshots, scrubs.
import { formatBytes, formatClock, formatCount, formatMs } from '../../format/units';
import type { CatchUp } from '../../store/catch-up-history';
import { useApp } from '../../store/context';

interface HistoryRow {
  readonly key: string;
  readonly time: number;
  readonly nodeId: number;
  readonly text: string;
}

const AFTER: Record<CatchUp['reason'], string> = { down: 'being down', cutOff: 'being cut off' };

export function describeCatchUp(c: CatchUp): string {
  const fetched = `${formatCount(c.entries)} ${c.entries === 1 ? 'entry' : 'entries'}, ${formatCount(c.chunks)} ${c.chunks === 1 ? 'chunk' : 'chunks'} (${formatBytes(c.bytes)})`;
  if (c.endedAt === null) return `catching up after ${AFTER[c.reason]}: ${fetched} so far`;
  return `caught up after ${AFTER[c.reason]}: ${fetched} in ${formatMs(c.endedAt - c.startedAt)}, ${formatClock(c.startedAt)}–${formatClock(c.endedAt)}`;
}

export function RecoveryHistory() {
  const events = useApp((s) => s.recoveryEvents);
  const catchUps = useApp((s) => s.catchUpHistory.catchUps);
  const rows: HistoryRow[] = [
    ...events.map((e, i) => ({ key: `e${i}`, time: e.time, nodeId: e.nodeId, text: e.text })),
    ...catchUps.map((c) => ({ key: `c${c.id}`, time: c.startedAt, nodeId: c.nodeId, text: describeCatchUp(c) })),
  ]
    // Oldest first (a catch-up after the node's coming back at the same moment), then newest on top.
    .sort((a, b) => a.time - b.time)
    .reverse();
  return (
    <section className="card" aria-label="Recovery history">
      <h2>History</h2>
      {rows.length === 0 ? (
        <p className="muted">Nothing has happened since the dashboard opened. Kill or isolate a node on the Overview to watch it recover.</p>
      ) : (
        <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Recovery events">
          {rows.map((row) => (
            <li key={row.key} className="row" style={{ padding: '3px 0' }}>
              <span className="num muted">{formatClock(row.time)}</span>
              <strong>Node {row.nodeId}</strong>
              <span>{row.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
