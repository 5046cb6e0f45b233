// Which node holds which chunk of a file: one row per node, one cell per chunk.
import type { FileInfo } from '../../../../node-runtime/common/api-types';

/** Past this many chunks the cells would be too thin to see; the row then sums them up only. */
const MAX_CELLS = 128;

function summary(missing: readonly number[] | null, chunkCount: number): string {
  if (missing === null) return 'did not answer';
  if (missing.length === 0) return `all ${chunkCount} ${chunkCount === 1 ? 'chunk' : 'chunks'}`;
  return `missing ${missing.length} of ${chunkCount} (repaired from a peer when recovery is on)`;
}

export function ReplicaMap({ info }: { info: FileInfo }) {
  const replicas = info.replicas;
  if (replicas === undefined) return <p className="muted">The answering node did not say which nodes hold this file.</p>;
  const chunkCount = info.chunks.length;
  if (chunkCount === 0) return <p className="muted">An empty file: there is nothing to hold.</p>;
  return (
    <table className="table replica-map" aria-label="Replicas by node and chunk">
      <tbody>
        {replicas.map(({ node, missing }) => {
          const absent = new Set(missing ?? []);
          return (
            <tr key={node} aria-label={`Node ${node}: ${summary(missing, chunkCount)}`}>
              <th scope="row">Node {node}</th>
              <td>
                {chunkCount <= MAX_CELLS && (
                  <span className="chunk-cells" aria-hidden="true">
                    {info.chunks.map((c, i) => (
                      <span key={i} className="chunk-cell" data-state={missing === null ? 'unknown' : absent.has(i) ? 'missing' : 'held'} title={`Chunk ${i + 1}: ${missing === null ? 'unknown' : absent.has(i) ? 'missing' : 'held'}`} />
                    ))}
                  </span>
                )}
                <span className={missing === null || missing.length > 0 ? 'pill pill-warn' : 'pill pill-ok'}>{summary(missing, chunkCount)}</span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
