// Raft for teaching, built from the real cluster: the ring of nodes, every node's log, and the
// same controls as RaftScope (stop, restart, request, time-outs by killing the leader) plus
// partitions.
import { useApp } from '../../store/context';
import { Explained } from '../../shell/Explained';
import { NodeControls } from '../overview/NodeControls';
import { LogStrips, logRange } from './LogStrips';
import { RaftRing } from './RaftRing';

const encoder = new TextEncoder();

export function RaftView() {
  const snapshot = useApp((s) => s.snapshot);
  const enqueue = useApp((s) => s.enqueueUploads);
  const healAll = useApp((s) => s.healAllPartitions);
  if (snapshot === null) return <p className="empty">Waiting for the cluster…</p>;
  const nodes = [...snapshot.nodes].sort((a, b) => a.id - b.id);
  const { from, to } = logRange(nodes);

  const sendRequest = () => {
    const time = new Date().toISOString();
    enqueue([{ name: `raft-demo/request-${time.replaceAll(':', '-')}.txt`, file: new Blob([encoder.encode(`client request at ${time}\n`)]) }]);
  };

  return (
    <div className="stack">
      <p className="muted" style={{ margin: 0 }}>
        Each circle is a node, filled with the colour of its <Explained term="term">term</Explained>. A double ring and the word “Leader” mark the{' '}
        <Explained term="leader">leader</Explained>; dashed circles are candidates asking for votes, and an arrow shows each{' '}
        <Explained term="vote">vote</Explained> a candidate got. The grey arc round a follower is its{' '}
        <Explained term="electionTimer">election timer</Explained>: time since the leader last heard from it, out of the election timeout.
      </p>
      <div className="raft-layout">
        <section className="card" aria-label="Cluster ring">
          <RaftRing snapshot={snapshot} />
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={sendRequest} title="Write a tiny file: the leader appends it to its log and replicates it.">
              Send a client request
            </button>
            <button type="button" className="btn" onClick={() => void healAll()} disabled={!nodes.some((n) => n.partitionedFrom.length > 0)}>
              Heal all partitions
            </button>
          </div>
        </section>
        <section className="card stack" aria-label="Logs of the nodes">
          <h2>
            Logs <span className="muted num">(indexes {from}–{to})</span>
          </h2>
          <p className="muted" style={{ margin: 0 }}>
            Each box is one log entry labelled with its term. Solid boxes are <Explained term="commitIndex">committed</Explained>; faded ones are
            not yet stored by a majority; grey ones were compacted into a snapshot.
          </p>
          <LogStrips nodes={nodes} from={from} to={to} />
        </section>
      </div>
      <section className="card stack" aria-label="Node controls">
        <h2>Controls</h2>
        {nodes.map((n) => (
          <div key={n.id} className="row">
            <strong style={{ width: '7ch' }}>Node {n.id}</strong>
            <NodeControls node={n} isLeader={n.id === snapshot.leaderId} />
          </div>
        ))}
      </section>
    </div>
  );
}
