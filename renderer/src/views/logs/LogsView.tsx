// Live tail of the nodes' logs, merged or per node, filtered, pausable.
import { useMemo } from 'react';
import { formatClock } from '../../format/units';
import { VirtualList } from '../../shell/VirtualList';
import { useApp } from '../../store/context';
import { LogFilters } from './LogFilters';
import { filterLogLines } from './log-filter';

const LOG_ROW_HEIGHT = 22;

const SOURCE_HELP = {
  stdout: 'Written by the node process',
  stderr: 'Written by the node process to its error stream',
  manager: 'Said by the cluster manager about this node (starts, crashes, restarts)',
} as const;

export function LogsView() {
  const live = useApp((s) => s.logs.lines);
  const frozen = useApp((s) => s.logs.pausedLines);
  const filter = useApp((s) => s.logs.filter);
  const shown = useMemo(() => filterLogLines(frozen ?? live, filter), [frozen, live, filter]);

  return (
    <div className="stack fill">
      <LogFilters />
      {shown.length === 0 ? (
        <p className="empty card">{live.length === 0 ? 'No log lines yet. They appear here as the nodes write them.' : 'No line matches these filters.'}</p>
      ) : (
        <VirtualList
          role="list"
          label="Log lines"
          className="log-list"
          items={shown}
          rowHeight={LOG_ROW_HEIGHT}
          followTail={frozen === null}
          renderRow={(line, index, top) => (
            <div role="listitem" key={`${index}-${line.time}`} className={`log-row level-${line.level}`} style={{ top, height: LOG_ROW_HEIGHT }}>
              <span className="num">{formatClock(line.time)}</span>
              <span>node {line.nodeId}</span>
              <span className="muted" title={SOURCE_HELP[line.source]}>
                {line.source}
              </span>
              <span>{line.level}</span>
              <span className="log-msg" title={line.msg}>
                {line.msg}
              </span>
            </div>
          )}
        />
      )}
    </div>
  );
}
