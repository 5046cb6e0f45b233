// What to tell a person about a failed request: the server's detail, led by a plain-words reason.
import { SETTING_META } from './setting-meta';

const REASONS: Readonly<Record<string, string>> = {
  quota_exceeded: 'Quota exceeded',
  disk_full: 'Disk full',
  no_quorum: 'No quorum — too few nodes are up to accept writes',
  name_invalid: 'Invalid name',
  file_too_large: 'File too large',
  locked: 'File is locked',
  not_found: 'Not found',
  unauthorized: 'Not authorised — open the dashboard from the link the manager printed',
  timeout: 'Timed out',
  unavailable: 'Cluster unavailable',
  config_invalid: 'Invalid setting',
  conflict: 'Conflict',
  network: 'No answer from the cluster manager',
};

/**
 * Nodes name a setting by its API key ("setting maxFileBytes"), which scripts need; the dashboard
 * says what the Configuration view calls it ("setting “Largest file”").
 */
function withSettingLabels(detail: string): string {
  return detail.replace(/\bsetting ([a-z][A-Za-z]+)\b/g, (whole, key: string) => {
    const meta = SETTING_META[key];
    return meta === undefined ? whole : `setting “${meta.label}”`;
  });
}

export function describeFailure(code: string, detail: string): string {
  const reason = REASONS[code] ?? code.replaceAll('_', ' ');
  return detail === '' ? reason : `${reason}: ${withSettingLabels(detail)}`;
}
