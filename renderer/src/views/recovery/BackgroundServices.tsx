// What the node's background services (scrubber, garbage collection, lock expiry, repair,
// snapshots) last did, or why they failed.
import type { BackgroundService } from '../../../../node-runtime/common/api-types';
import { formatDateTime, formatMs } from '../../format/units';

function resultText(service: BackgroundService): string {
  if (service.lastError !== null) return service.lastError;
  if (service.lastResult === null) return '—';
  const parts = Object.entries(service.lastResult).map(([key, value]) => `${key}: ${String(value)}`);
  return parts.length === 0 ? 'ok' : parts.join(', ');
}

export function BackgroundServices({ nodeId, services }: { nodeId: number; services: Readonly<Record<string, BackgroundService>> }) {
  const entries = Object.entries(services).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return (
    <details>
      <summary>Background services</summary>
      <table className="table" aria-label={`Background services of node ${nodeId}`}>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Last run</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([name, service]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num">
                {service.running
                  ? 'running'
                  : service.lastRunAt === null
                    ? 'never'
                    : `${formatDateTime(service.lastRunAt)}${service.lastDurationMs === null ? '' : ` (${formatMs(service.lastDurationMs)})`}`}
              </td>
              <td className={service.lastError === null ? undefined : 'error-text'}>{resultText(service)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
