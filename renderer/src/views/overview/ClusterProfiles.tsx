// Which cluster the dashboard shows: the local one this app runs, or an attached one.
import { useApp } from '../../store/context';
import { AttachForm } from './AttachForm';

export function ClusterProfiles() {
  const profiles = useApp((s) => s.profiles);
  const activate = useApp((s) => s.activateProfile);
  const remove = useApp((s) => s.removeProfile);
  const attachOpen = useApp((s) => s.attachFormOpen);
  const setAttachOpen = useApp((s) => s.setAttachFormOpen);
  if (profiles.list === null) return null;
  const { active } = profiles.list;

  return (
    <section className="card stack" aria-label="Clusters">
      <h2>Clusters</h2>
      {profiles.error !== null && (
        <p role="alert" className="error-text">
          {profiles.error}
        </p>
      )}
      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Saved clusters">
        {profiles.list.profiles.map((p) => (
          <li key={p.name} className="row" style={{ padding: '3px 0' }}>
            <strong>{p.name}</strong>
            <span className="muted">
              {p.kind === 'local' ? 'runs on this machine' : `${p.nodes.length} remote ${p.nodes.length === 1 ? 'node' : 'nodes'}${p.hasSecret ? '' : ' · no secret (no partitions)'}`}
            </span>
            {p.name === active ? (
              <span className="pill pill-ok">Showing</span>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                disabled={profiles.busy !== null}
                title={active === 'local' ? 'Leaving the local cluster stops its nodes; switching back starts them again.' : undefined}
                onClick={() => void activate(p.name)}
              >
                Switch to {p.name}
              </button>
            )}
            {p.kind === 'attach' && p.name !== active && (
              <button type="button" className="btn btn-small" disabled={profiles.busy !== null} onClick={() => void remove(p.name)}>
                Forget {p.name}
              </button>
            )}
          </li>
        ))}
      </ul>
      <details open={attachOpen} onToggle={(e) => setAttachOpen(e.currentTarget.open)}>
        <summary>Attach to a cluster running elsewhere…</summary>
        <AttachForm />
      </details>
    </section>
  );
}
