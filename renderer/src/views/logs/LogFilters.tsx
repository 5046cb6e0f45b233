// Node, level and text filters, and the pause switch.
import { LOG_LEVELS, type LogLevel } from '../../../../node-runtime/common/config';
import { NO_NODES } from '../../store/cluster-derive';
import { useApp } from '../../store/context';

export function LogFilters() {
  const filter = useApp((s) => s.logs.filter);
  const paused = useApp((s) => s.logs.pausedLines !== null);
  const missed = useApp((s) => s.logs.missedWhilePaused);
  const nodes = useApp((s) => s.snapshot?.nodes ?? NO_NODES);
  const setFilter = useApp((s) => s.setLogFilter);
  const setPaused = useApp((s) => s.setLogsPaused);

  return (
    <div className="row log-filters" role="group" aria-label="Log filters">
      <label htmlFor="log-node">Node</label>
      <select
        id="log-node"
        className="input"
        value={String(filter.node)}
        onChange={(e) => setFilter({ node: e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value) })}
      >
        <option value="all">All nodes (merged)</option>
        {[...nodes]
          .sort((a, b) => a.id - b.id)
          .map((n) => (
            <option key={n.id} value={n.id}>
              Node {n.id}
            </option>
          ))}
      </select>
      <label htmlFor="log-level">Level at least</label>
      <select id="log-level" className="input" value={filter.minLevel} onChange={(e) => setFilter({ minLevel: e.currentTarget.value as LogLevel })}>
        {LOG_LEVELS.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <label htmlFor="log-text">Containing</label>
      <input id="log-text" className="input" type="search" value={filter.text} onChange={(e) => setFilter({ text: e.currentTarget.value })} />
      <span className="spacer" />
      {paused && missed > 0 && <span className="num muted">{missed.toLocaleString('en-US')} new lines</span>}
      <button type="button" className="btn" aria-pressed={paused} onClick={() => setPaused(!paused)}>
        {paused ? 'Resume tail' : 'Pause tail'}
      </button>
    </div>
  );
}
