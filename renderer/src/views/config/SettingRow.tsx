// One setting: its plain-language label with a visible line of help (and the API key beneath),
// its input in human units, what the typed value comes to, scope, source, and validation error.
import type { ConfigEntry } from '../../../../node-runtime/common/api-types';
import { LOG_LEVELS } from '../../../../node-runtime/common/config';
import { EXPLAIN } from '../../format/explain';
import { quotaDraftWarning } from '../../format/quota-warning';
import { settingHint } from '../../format/setting-hint';
import { settingMeta } from '../../format/setting-meta';
import { leaderOf } from '../../store/cluster-derive';
import { settingText } from '../../store/config-derive';
import { useApp } from '../../store/context';

export function SettingRow({ settingKey, entry }: { settingKey: string; entry: ConfigEntry }) {
  const draft = useApp((s) => s.config.drafts[settingKey]);
  const error = useApp((s) => s.config.errors[settingKey]);
  const edit = useApp((s) => s.editSetting);
  const value = draft ?? settingText(settingKey, entry.value);
  const stored = useApp((s) => (settingKey === 'storageQuota' ? (leaderOf(s.snapshot)?.report?.stats?.totalSize ?? null) : null));
  const warning = settingKey === 'storageQuota' && draft !== undefined && error === undefined ? quotaDraftWarning(draft, stored) : null;
  const meta = settingMeta(settingKey);
  const inputId = `setting-${settingKey}`;
  const errorId = `${inputId}-error`;
  const helpId = `${inputId}-help`;
  const common = {
    id: inputId,
    'aria-invalid': error !== undefined,
    'aria-describedby': error === undefined ? helpId : `${errorId} ${helpId}`,
  };

  return (
    <div className="setting-row">
      <span className="setting-label">
        <label htmlFor={inputId}>{meta.label}</label>
        {draft !== undefined && <span className="pill pill-warn">edited</span>}
        <span id={helpId} className="setting-help muted">
          {meta.help} <span className="mono">{settingKey}</span>
        </span>
      </span>
      {typeof entry.value === 'boolean' ? (
        <input {...common} type="checkbox" checked={value === 'true'} onChange={(e) => edit(settingKey, String(e.currentTarget.checked))} />
      ) : settingKey === 'logLevel' ? (
        <select {...common} className="input" value={value} onChange={(e) => edit(settingKey, e.currentTarget.value)}>
          {LOG_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          className="input num"
          type="text"
          value={value}
          onChange={(e) => edit(settingKey, e.currentTarget.value)}
        />
      )}
      <span className="num muted">{settingHint(settingKey, value)}</span>
      <span className="pill pill-neutral" title={EXPLAIN.scope}>
        {entry.scope}
      </span>
      <span className="muted" title={EXPLAIN.source}>
        {entry.source}
      </span>
      {error !== undefined && (
        <p id={errorId} className="setting-error" role="alert">
          {error}
        </p>
      )}
      {warning !== null && (
        <p className="setting-warning" role="status">
          {warning}
        </p>
      )}
    </div>
  );
}
