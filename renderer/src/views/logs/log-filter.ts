// Which log lines pass the Logs view's filters.
import type { LogLine } from '../../../../node-runtime/common/manager-api';
import { LOG_LEVELS } from '../../../../node-runtime/common/config';
import type { LogFilter } from '../../store/state';

const rank = (level: string) => LOG_LEVELS.indexOf(level as (typeof LOG_LEVELS)[number]);

export function filterLogLines(lines: readonly LogLine[], filter: LogFilter): readonly LogLine[] {
  const minRank = rank(filter.minLevel);
  const text = filter.text.trim().toLowerCase();
  return lines.filter(
    (line) =>
      (filter.node === 'all' || line.nodeId === filter.node) &&
      rank(line.level) >= minRank &&
      (text === '' || line.msg.toLowerCase().includes(text)),
  );
}
