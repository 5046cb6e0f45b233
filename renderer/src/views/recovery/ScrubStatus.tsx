// The integrity scrub of one node: the pass running now (against the chunks on disk) and the
// results of the last finished one.
import type { RecoveryStatus, ScrubRun } from '../../../../node-runtime/common/api-types';
import { formatBytes, formatCount, formatDateTime, formatRate } from '../../format/units';
import { Explained } from '../../shell/Explained';
import { ProgressBar } from '../../shell/ProgressBar';

function RunFacts({ run, label }: { run: ScrubRun; label: string }) {
  return (
    <dl className="facts" aria-label={label}>
      <dt>Checked</dt>
      <dd>
        {formatCount(run.checked)} chunks · {formatBytes(run.bytesChecked)}
      </dd>
      <dt>Corrupt</dt>
      <dd className={run.corrupt > 0 ? 'error-text' : undefined}>{formatCount(run.corrupt)}</dd>
      <dt>Repaired</dt>
      <dd>{formatCount(run.repaired)}</dd>
      {run.removed > 0 && (
        <>
          <dt title="Corrupt chunks no file used any more: deleted instead of repaired">Removed</dt>
          <dd>{formatCount(run.removed)}</dd>
        </>
      )}
      {run.unrepairable > 0 && (
        <>
          <dt>Unrepairable</dt>
          <dd className="error-text">{formatCount(run.unrepairable)}</dd>
        </>
      )}
      {run.leftCorrupt > 0 && (
        <>
          <dt title="Recovery is turned off in the configuration, so corrupt chunks stay as they are">Left corrupt</dt>
          <dd className="error-text">{formatCount(run.leftCorrupt)}</dd>
        </>
      )}
      {run.missing > 0 && (
        <>
          <dt title="Chunks that files use but this node does not have; catch-up fetches them">Missing</dt>
          <dd>{formatCount(run.missing)}</dd>
        </>
      )}
      <dt>Speed</dt>
      <dd>{formatRate(run.bytesPerSec)}</dd>
    </dl>
  );
}

export function ScrubStatus({ nodeId, scrub, chunksOnDisk }: { nodeId: number; scrub: RecoveryStatus['scrub']; chunksOnDisk: number | null }) {
  const { current, lastRun } = scrub;
  return (
    <div className="stack" style={{ gap: 6 }}>
      <div className="row">
        <Explained term="scrub">Integrity scrub</Explained>
        <span className="spacer" />
        <span className="num">
          {current !== null
            ? `running: ${formatCount(current.checked)}${chunksOnDisk === null ? '' : ` of ${formatCount(chunksOnDisk)}`} chunks`
            : lastRun === null
              ? 'never ran'
              : `last finished ${lastRun.finishedAt === null ? '—' : formatDateTime(lastRun.finishedAt)}`}
        </span>
      </div>
      {current !== null && (
        <>
          <ProgressBar
            label={`Scrub of node ${nodeId}`}
            value={chunksOnDisk === null ? null : Math.min(current.checked, chunksOnDisk)}
            max={Math.max(1, chunksOnDisk ?? 1)}
            valueText={`${formatCount(current.checked)} chunks checked`}
            tone={current.corrupt > current.repaired + current.removed ? 'bad' : undefined}
          />
          <RunFacts run={current} label={`Scrub running on node ${nodeId}`} />
        </>
      )}
      {current === null && lastRun !== null && <RunFacts run={lastRun} label={`Last scrub of node ${nodeId}`} />}
    </div>
  );
}
