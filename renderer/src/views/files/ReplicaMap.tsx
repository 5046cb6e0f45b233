// Which node holds which chunk of a file: one row per node, one cell per chunk.
import type { FileInfo } from '../../../../node-runtime/common/api-types';
import { useApp } from '../../store/context';

/** Past this many chunks the cells would be too thin to see; the row then sums them up only. */
const MAX_CELLS = 128;

/** A node catching up (recovery on) is fetching what it lacks: "repairing", not just "missing". */
function summary(missing: readonly number[] | null, chunkCount: number, repairing: boolean): string {
  if (missing === null) return 'did not answer';
  if (missing.length === 0) return `all ${chunkCount} ${chunkCount === 1 ? 'chunk' : 'chunks'}`;
  if (repairing) return `repairing: ${missing.length} of ${chunkCount} still to fetch`;
  return `missing ${missing.length} of ${chunkCount} (repaired from a peer when recovery is on)`;
}

/** A small file travels inside its log entry: each node holds it with the file's record, no chunks. */
function InlineReplicas({ replicas }: { replicas: NonNullable<FileInfo['replicas']> }) {
  return (
    <table className="table replica-map" aria-label="Replicas by node and chunk">
      <tbody>
        {replicas.map(({ node, missing }) => {
          const text = missing === null ? 'did not answer' : 'stored inline with its record (a small file, no chunks)';
          return (
            <tr key={node} aria-label={`Node ${node}: ${text}`}>
              <th scope="row">Node {node}</th>
              <td>
                <span className={missing === null ? 'pill pill-warn' : 'pill pill-ok'}>{text}</span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function ReplicaMap({ info }: { info: FileInfo }) {
  const catchingUp = useApp((s) => s.snapshot?.nodes.filter((n) => n.report?.recovery?.catchingUp === true && n.report.recovery.recoveryEnabled).map((n) => n.id).join(',') ?? '');
  const repairing = new Set(catchingUp.split(',').filter((id) => id !== '').map(Number));
  const replicas = info.replicas;
  if (replicas === undefined) return <p className="muted">The answering node did not say which nodes hold this file.</p>;
  const chunkCount = info.chunks.length;
  if (info.size === 0) return <p className="muted">An empty file: there is nothing to hold.</p>;
  if (chunkCount === 0) return <InlineReplicas replicas={replicas} />;
  return (
    <table className="table replica-map" aria-label="Replicas by node and chunk">
      <tbody>
        {replicas.map(({ node, missing }) => {
          const absent = new Set(missing ?? []);
          return (
            <tr key={node} aria-label={`Node ${node}: ${summary(missing, chunkCount, repairing.has(node))}`}>
              <th scope="row">Node {node}</th>
              <td>
                {chunkCount <= MAX_CELLS && (
                  <span className="chunk-cells" aria-hidden="true">
                    {info.chunks.map((c, i) => (
                      <span key={i} className="chunk-cell" data-state={missing === null ? 'unknown' : absent.has(i) ? (repairing.has(node) ? 'repairing' : 'missing') : 'held'} title={`Chunk ${i + 1}: ${missing === null ? 'unknown' : absent.has(i) ? (repairing.has(node) ? 'being fetched' : 'missing') : 'held'}`} />
                    ))}
                  </span>
                )}
                <span className={missing === null || missing.length > 0 ? 'pill pill-warn' : 'pill pill-ok'}>{summary(missing, chunkCount, repairing.has(node))}</span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
