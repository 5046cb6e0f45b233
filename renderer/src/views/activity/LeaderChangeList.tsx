// The leader changes in the chart window, in words.
import { formatClock } from '../../format/units';
import { useChartWindow } from '../../shell/chart-kit';

export function LeaderChangeList() {
  const { marks } = useChartWindow();
  return (
    <section className="card" aria-label="Leader changes">
      <h3>Leader changes</h3>
      {marks.length === 0 ? (
        <p className="muted">None in this time range.</p>
      ) : (
        <ol style={{ margin: 0, paddingLeft: 18 }}>
          {[...marks].reverse().map((m) => (
            <li key={`${m.time}-${m.term}`} className="num">
              {formatClock(m.time)} — term {m.term}: {m.leaderId === null ? 'no leader' : `node ${m.leaderId} leads`}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
