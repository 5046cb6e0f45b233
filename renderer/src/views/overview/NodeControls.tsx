// The buttons that drive one node: process actions (local mode), partition, leadership, removal.
import { useState } from 'react';
import type { ManagedNode, NodeAction } from '../../../../node-runtime/common/manager-api';
import { EXPLAIN } from '../../format/explain';
import { isCutOff } from '../../store/cluster-derive';
import { useApp } from '../../store/context';

const ACTION_HELP: Readonly<Record<NodeAction, string>> = {
  stop: 'Shut the node down cleanly; it stays stopped.',
  start: 'Start the node process.',
  restart: 'Stop the node cleanly and start it again.',
  kill: 'Crash the node (SIGKILL); the supervisor restarts it after a back-off.',
  pause: 'Freeze the process (SIGSTOP) — it keeps its state but answers nothing, like a long GC pause.',
  resume: 'Unfreeze a paused process.',
};

function actionsFor(node: ManagedNode): NodeAction[] {
  switch (node.process?.state) {
    case undefined:
      return [];
    case 'running':
    case 'starting':
      return ['stop', 'restart', 'kill', 'pause'];
    case 'paused':
      return ['resume', 'kill'];
    case 'stopping':
      return ['kill'];
    case 'stopped':
    case 'crashed':
    case 'errored':
    case 'backoff':
      return ['start'];
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function NodeControls({ node, isLeader }: { node: ManagedNode; isLeader: boolean }) {
  const pending = useApp((s) => s.pendingCommands);
  const runNodeAction = useApp((s) => s.runNodeAction);
  const isolate = useApp((s) => s.isolateNode);
  const heal = useApp((s) => s.healNode);
  const transfer = useApp((s) => s.transferLeadership);
  const remove = useApp((s) => s.removeNode);
  const localMode = useApp((s) => s.snapshot?.mode === 'local');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const id = node.id;
  const isolated = useApp((s) => s.snapshot !== null && isCutOff(s.snapshot, id));

  return (
    <div className="controls" role="group" aria-label={`Controls for node ${id}`}>
      {actionsFor(node).map((action) => (
        <button
          key={action}
          type="button"
          className={`btn btn-small${action === 'kill' ? ' btn-danger' : ''}`}
          aria-label={`${capitalise(action)} node ${id}`}
          title={ACTION_HELP[action]}
          disabled={pending[`${id}:${action}`] === true}
          onClick={() => void runNodeAction(id, action)}
        >
          {capitalise(action)}
        </button>
      ))}
      <button
        type="button"
        className="btn btn-small"
        aria-label={isolated ? `Heal node ${id}` : `Isolate node ${id}`}
        title={EXPLAIN.partition}
        disabled={pending[`${id}:partition`] === true}
        onClick={() => void (isolated ? heal(id) : isolate(id))}
      >
        {isolated ? 'Heal' : 'Isolate'}
      </button>
      {!isLeader && (
        <button
          type="button"
          className="btn btn-small"
          aria-label={`Make node ${id} leader`}
          title="Ask the current leader to hand leadership to this node."
          disabled={!node.reachable || pending[`${id}:leadership`] === true}
          onClick={() => void transfer(id)}
        >
          Make leader
        </button>
      )}
      {localMode &&
        (confirmRemove ? (
          <>
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={`Confirm remove node ${id}`}
              disabled={pending[`${id}:remove`] === true}
              onClick={() => {
                setConfirmRemove(false);
                void remove(id);
              }}
            >
              Remove and delete its data
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirmRemove(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            aria-label={`Remove node ${id}`}
            title="Take the node out of the cluster membership, stop it and delete its data."
            onClick={() => setConfirmRemove(true)}
          >
            Remove
          </button>
        ))}
    </div>
  );
}
