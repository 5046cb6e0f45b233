// Explains a cluster without a majority: what it means and what to do about it.
import { majorityOf } from '../store/cluster-derive';
import { useApp } from '../store/context';
import { Explained } from './Explained';

export function NoQuorumBanner() {
  const snapshot = useApp((s) => s.snapshot);
  const healAll = useApp((s) => s.healAllPartitions);
  const setTab = useApp((s) => s.setTab);
  if (snapshot === null || snapshot.health !== 'noQuorum') return null;
  const total = snapshot.nodes.length;
  const partitioned = snapshot.nodes.some((n) => n.partitionedFrom.length > 0);
  return (
    <div role="alert" className="banner banner-warn">
      <p>
        <strong>
          No <Explained term="quorum">quorum</Explained>.
        </strong>{' '}
        The cluster cannot accept writes: {snapshot.inQuorum.length} of {total} nodes agree on a leader, it needs {majorityOf(total)}.
        Reads still work. Start a stopped node{partitioned ? ' or heal the partition' : ''}.
      </p>
      {partitioned && (
        <button type="button" className="btn" onClick={() => void healAll()}>
          Heal all partitions
        </button>
      )}
      <button type="button" className="btn" onClick={() => setTab('overview')}>
        Show nodes
      </button>
    </div>
  );
}
