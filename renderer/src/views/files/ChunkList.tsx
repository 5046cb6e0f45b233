// A file's chunks in order: where each starts, its size and its SHA-256.
import type { ChunkRef } from '../../../../node-runtime/common/api-types';
import { formatBytes } from '../../format/units';

/** A 10 GiB file has thousands of chunks; the drawer lists the first ones and counts the rest. */
const MAX_ROWS = 200;

export function ChunkList({ chunks }: { chunks: readonly ChunkRef[] }) {
  if (chunks.length === 0) return <p className="muted">No chunks: the file is empty.</p>;
  let offset = 0;
  const rows = chunks.slice(0, MAX_ROWS).map((c, i) => {
    const row = { index: i, offset, ...c };
    offset += c.size;
    return row;
  });
  return (
    <>
      <table className="table chunk-list" aria-label="Chunks">
        <thead>
          <tr>
            <th className="num">#</th>
            <th className="num">Offset</th>
            <th className="num">Size</th>
            <th>SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.index}>
              <td className="num">{r.index + 1}</td>
              <td className="num">{formatBytes(r.offset)}</td>
              <td className="num">{formatBytes(r.size)}</td>
              <td className="mono hash" title={r.hash}>{r.hash.slice(0, 16)}…</td>
            </tr>
          ))}
        </tbody>
      </table>
      {chunks.length > MAX_ROWS && <p className="muted">and {chunks.length - MAX_ROWS} more chunks.</p>}
    </>
  );
}
