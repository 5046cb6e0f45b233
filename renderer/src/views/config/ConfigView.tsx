// The live settings editor: pick the cluster or a node, edit, Apply without restarting anything.
import { settingsFor } from '../../store/config-derive';
import { NO_NODES } from '../../store/cluster-derive';
import { useApp } from '../../store/context';
import { AppliedChanges } from './AppliedChanges';
import { SettingRow } from './SettingRow';
import { useMemo } from 'react';

export function ConfigView() {
  const snapshot = useApp((s) => s.snapshot);
  const nodes = useApp((s) => s.snapshot?.nodes ?? NO_NODES);
  const config = useApp((s) => s.config);
  const setTarget = useApp((s) => s.setConfigTarget);
  const apply = useApp((s) => s.applyConfig);
  const discard = useApp((s) => s.discardConfigDrafts);
  const settings = useMemo(() => settingsFor(snapshot, config.target), [snapshot, config.target]);
  const edited = Object.keys(config.drafts).length;

  return (
    <div className="stack">
      <form
        className="card stack"
        aria-label="Configuration editor"
        onSubmit={(e) => {
          e.preventDefault();
          void apply();
        }}
      >
        <div className="row">
          <label htmlFor="config-target">Settings of</label>
          <select
            id="config-target"
            className="input"
            value={String(config.target)}
            onChange={(e) => setTarget(e.currentTarget.value === 'cluster' ? 'cluster' : Number(e.currentTarget.value))}
          >
            <option value="cluster">the whole cluster</option>
            {[...nodes]
              .sort((a, b) => a.id - b.id)
              .map((n) => (
                <option key={n.id} value={n.id}>
                  node {n.id}
                </option>
              ))}
          </select>
          <span className="muted">
            {config.target === 'cluster' ? 'Same on every node; changed through the replicated log.' : 'This node only; changed without consensus.'}
          </span>
        </div>
        {settings.length === 0 ? (
          <p className="muted">{config.target === 'cluster' ? 'No node has reported its settings yet.' : `Node ${config.target} has not reported its settings.`}</p>
        ) : (
          <div>
            <div className="setting-row muted" aria-hidden="true">
              <span>Setting</span>
              <span>Value</span>
              <span />
              <span>Scope</span>
              <span>Source</span>
            </div>
            {settings.map(([key, entry]) => (
              <SettingRow key={key} settingKey={key} entry={entry} />
            ))}
          </div>
        )}
        {config.formError !== null && (
          <p role="alert" className="error-text">
            {config.formError}
          </p>
        )}
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={edited === 0 || config.applying}>
            {config.applying ? 'Applying…' : 'Apply'}
          </button>
          <button type="button" className="btn" disabled={edited === 0 || config.applying} onClick={discard}>
            Discard changes
          </button>
          <span className="muted num">{edited === 0 ? 'No changes' : `${edited} ${edited === 1 ? 'change' : 'changes'} not applied yet`}</span>
        </div>
      </form>
      <AppliedChanges />
    </div>
  );
}
