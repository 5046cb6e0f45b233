// Per-node local storage: how full its disk is, bytes on disk, chunks, free space, last snapshot.
import { formatBytes, formatCount, formatDateTime } from '../../format/units';
import { CapacityBar } from '../../shell/CapacityBar';
import { Explained } from '../../shell/Explained';
import { useApp } from '../../store/context';
import { NO_NODES } from '../../store/cluster-derive';

export function NodeDiskTable() {
  const nodes = useApp((s) => s.snapshot?.nodes ?? NO_NODES);
  return (
    <table className="table" aria-label="Disk use per node">
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">Capacity</th>
          <th scope="col" className="num">On disk</th>
          <th scope="col" className="num">Chunks</th>
          <th scope="col" className="num">Disk free</th>
          <th scope="col">Health</th>
          <th scope="col"><Explained term="lastBackup">Last backup</Explained></th>
        </tr>
      </thead>
      <tbody>
        {[...nodes]
          .sort((a, b) => a.id - b.id)
          .map((node) => {
            const stats = node.report?.stats ?? null;
            return (
              <tr key={node.id}>
                <th scope="row">Node {node.id}</th>
                <td><CapacityBar node={node} /></td>
                <td className="num">{stats === null ? '—' : formatBytes(stats.bytesOnDisk)}</td>
                <td className="num">{stats === null ? '—' : formatCount(stats.chunkCount)}</td>
                <td className="num">{stats?.diskFree == null ? '—' : formatBytes(stats.diskFree)}</td>
                <td>{stats === null ? (node.reachable ? 'no report' : 'unreachable') : stats.nodeStatus}</td>
                <td className="num">{stats?.lastBackup == null ? 'none yet' : formatDateTime(stats.lastBackup)}</td>
              </tr>
            );
          })}
      </tbody>
    </table>
  );
}
