// Live tail of the nodes' logs, merged or per node, filtered, pausable; a line opens to show all
// its fields, and what is shown can be saved as a file.
import { useMemo, useState } from 'react';
import type { LogLine } from '../../../../node-runtime/common/manager-api';
import { formatLogTime } from '../../format/units';
import { VirtualList } from '../../shell/VirtualList';
import { useApp } from '../../store/context';
import { LogFilters } from './LogFilters';
import { LogLineDetails } from './LogLineDetails';
import { saveLogLines } from './log-export';
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
  const [opened, setOpened] = useState<LogLine | null>(null);

  return (
    <div className="stack fill">
      <div className="row">
        <LogFilters />
        <button type="button" className="btn" disabled={shown.length === 0} onClick={() => saveLogLines(shown, new Date())}>
          Export {shown.length.toLocaleString('en-US')} lines
        </button>
      </div>
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
            <div role="listitem" key={`${index}-${line.time}`} className={`log-row level-${line.level}`} data-open={line === opened} style={{ top, height: LOG_ROW_HEIGHT }}>
              <button type="button" className="link-button num" aria-label={`Show all fields of the line at ${formatLogTime(line.time)}`} onClick={() => setOpened(line === opened ? null : line)}>
                {formatLogTime(line.time)}
              </button>
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
      {opened !== null && <LogLineDetails line={opened} onClose={() => setOpened(null)} />}
    </div>
  );
}
