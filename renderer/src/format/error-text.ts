// What to tell a person about a failed request: the server's detail, led by a plain-words reason.

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

export function describeFailure(code: string, detail: string): string {
  const reason = REASONS[code] ?? code.replaceAll('_', ' ');
  return detail === '' ? reason : `${reason}: ${detail}`;
}
