// What to tell a person about a failed request, in one voice: a plain-words reason, the server's
// detail as its own sentence, then what to do where there is something to do.
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

/** The next step for a failure a person can do something about. */
const NEXT_STEPS: Readonly<Record<string, string>> = {
  quota_exceeded: 'Delete files or raise the storage quota in Configuration.',
  disk_full: 'Free disk space on that node, then try again.',
  name_invalid: 'Rename the file, then try again.',
  locked: 'Try again when the lock expires, or ask its holder to release it.',
  timeout: 'Try again in a moment.',
  unavailable: 'Try again once the nodes are running.',
  network: 'Check that the manager is still running, then try again.',
};

/**
 * A node's detail ("no node answered") as a sentence of its own: capital first, full stop last.
 * Only a plain first word is capitalised: one like "a.txt" or "node-2" is a name, kept as written.
 */
function asSentence(text: string): string {
  const capitalised = /^[a-z]+(\s|$)/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  return /[.!?…]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

export function describeFailure(code: string, detail: string): string {
  const reason = REASONS[code] ?? code.replaceAll('_', ' ');
  const sentences = [asSentence(reason), ...(detail === '' ? [] : [asSentence(withSettingLabels(detail))]), ...(NEXT_STEPS[code] === undefined ? [] : [NEXT_STEPS[code]])];
  return sentences.join(' ');
}
