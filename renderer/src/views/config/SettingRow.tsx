// One setting: its input (labelled by the key), scope, source, and validation error.
import type { ConfigEntry } from '../../../../node-runtime/common/api-types';
import { LOG_LEVELS } from '../../../../node-runtime/common/config';
import { EXPLAIN } from '../../format/explain';
import { settingHint } from '../../format/setting-hint';
import { settingText } from '../../store/config-derive';
import { useApp } from '../../store/context';

const SETTING_HELP: Readonly<Record<string, string>> = {
  storageQuota: 'Cluster-wide limit on stored bytes (each file counted once).',
  heartbeatInterval: 'How often the leader pings followers, in ms.',
  electionTimeout: 'How long a follower waits without hearing the leader before starting an election, in ms.',
  recoveryEnabled: 'Whether nodes fetch missing chunks and repair corrupt ones.',
  scrubRateBytesPerSec: 'Read budget for the integrity scrubber; 0 turns it off.',
  scrubIntervalSec: 'Pause between two scrub passes, in seconds.',
  chunkSize: 'Chunk size for new files, in bytes.',
  snapshotThreshold: 'Applied entries after which a node snapshots its state and trims its log.',
  lockDefaultTtlMs: 'Lock lease length when the client does not ask for one, in ms.',
  logLevel: 'Lowest level this node writes to its log.',
  diskReserveBytes: 'Free disk space this node keeps in reserve; writes that would use it fail.',
  bodyIdleTimeoutMs: 'How long an upload may stall without a byte arriving before this node cuts it, in ms.',
  openHealthRoutes: 'With an API token set: whether /livez, /readyz and /metrics still answer without it.',
  maxConcurrentUploads: 'Uploads this node takes at once; more are refused with 429 until one ends.',
  requestTimeoutMs: 'Longest a whole request may take to arrive, in ms; 0 for no limit.',
  maxFileBytes: 'Largest single file, in bytes, whatever room the quota leaves.',
};

export function SettingRow({ settingKey, entry }: { settingKey: string; entry: ConfigEntry }) {
  const draft = useApp((s) => s.config.drafts[settingKey]);
  const error = useApp((s) => s.config.errors[settingKey]);
  const edit = useApp((s) => s.editSetting);
  const value = draft ?? settingText(entry.value);
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
      <span>
        <label htmlFor={inputId} title={SETTING_HELP[settingKey]} className="mono">
          {settingKey}
        </label>
        {draft !== undefined && (
          <span className="pill pill-warn" style={{ marginLeft: 6 }}>
            edited
          </span>
        )}
        <span id={helpId} className="visually-hidden">
          {SETTING_HELP[settingKey] ?? ''}
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
          inputMode={typeof entry.value === 'number' ? 'numeric' : undefined}
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
    </div>
  );
}
