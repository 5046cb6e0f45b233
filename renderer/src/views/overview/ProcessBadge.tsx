// The supervised process's state (local mode), with its reason on hover.
import type { ProcessInfo } from '../../../../node-runtime/common/manager-api';

const TONE: Readonly<Record<ProcessInfo['state'], string>> = {
  running: 'pill-ok',
  starting: 'pill-warn',
  stopping: 'pill-warn',
  paused: 'pill-warn',
  backoff: 'pill-warn',
  stopped: 'pill-neutral',
  crashed: 'pill-bad',
  errored: 'pill-bad',
};

export function ProcessBadge({ process }: { process: ProcessInfo | null }) {
  if (process === null) return <span className="pill pill-neutral" title="Attached cluster: the dashboard does not run this process">Remote</span>;
  return (
    <span className={`pill ${TONE[process.state]}`} title={process.reason}>
      {process.state}
    </span>
  );
}
