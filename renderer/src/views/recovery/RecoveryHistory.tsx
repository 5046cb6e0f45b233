// What happened, newest first: nodes going down and up, catch-ups, snapshots, scrubs.
import { formatClock } from '../../format/units';
import { useApp } from '../../store/context';

export function RecoveryHistory() {
  const events = useApp((s) => s.recoveryEvents);
  return (
    <section className="card" aria-label="Recovery history">
      <h2>History</h2>
      {events.length === 0 ? (
        <p className="muted">Nothing has happened since the dashboard opened. Kill or isolate a node on the Overview to watch it recover.</p>
      ) : (
        <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Recovery events">
          {[...events].reverse().map((e, i) => (
            <li key={`${e.time}-${e.nodeId}-${e.kind}-${i}`} className="row" style={{ padding: '3px 0' }}>
              <span className="num muted">{formatClock(e.time)}</span>
              <strong>Node {e.nodeId}</strong>
              <span>{e.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
