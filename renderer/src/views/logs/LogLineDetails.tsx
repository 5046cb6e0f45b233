// Everything one log line carried: its full time, where it came from, and each JSON field,
// nested values pretty-printed.
import type { LogLine } from '../../../../node-runtime/common/manager-api';
import { formatLogTime } from '../../format/units';

function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

export function LogLineDetails({ line, onClose }: { line: LogLine; onClose: () => void }) {
  const fields = Object.entries(line.fields);
  return (
    <section className="card log-details" aria-label="Log line details">
      <div className="row">
        <h3 className="num">{formatLogTime(line.time)}</h3>
        <span>node {line.nodeId}</span>
        <span className="muted">{line.source}</span>
        <span className={`level-${line.level}`}>{line.level}</span>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="log-details-msg">{line.msg}</p>
      {fields.length > 0 && (
        <dl className="facts log-fields">
          {fields.map(([key, value]) => (
            <div key={key} className="log-field">
              <dt className="mono">{key}</dt>
              <dd>
                <pre className="mono">{fieldText(value)}</pre>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
