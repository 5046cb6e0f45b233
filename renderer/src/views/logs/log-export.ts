// Log lines as a JSON Lines file the browser saves: one node's line per row, as the node wrote it
// (its parsed fields), with the manager's node id and source beside them.
import type { LogLine } from '../../../../node-runtime/common/manager-api';

export function logLinesAsJsonl(lines: readonly LogLine[]): string {
  return lines.map((l) => JSON.stringify({ time: new Date(l.time).toISOString(), nodeId: l.nodeId, source: l.source, level: l.level, msg: l.msg, fields: l.fields })).join('\n') + '\n';
}

export function saveLogLines(lines: readonly LogLine[], now: Date): void {
  const url = URL.createObjectURL(new Blob([logLinesAsJsonl(lines)], { type: 'application/x-ndjson' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `dfs-logs-${now.toISOString().replaceAll(':', '-').slice(0, 19)}.jsonl`;
  link.click();
  // The click has handed the blob to the download; a moment later it can go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
