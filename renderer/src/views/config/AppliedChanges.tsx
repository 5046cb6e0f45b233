// What the last Apply changed.
import { formatClock } from '../../format/units';
import { settingMeta } from '../../format/setting-meta';
import { useApp } from '../../store/context';

export function AppliedChanges() {
  const lastApplied = useApp((s) => s.config.lastApplied);
  if (lastApplied === null) return null;
  const where = lastApplied.target === 'cluster' ? 'cluster' : `node ${lastApplied.target}`;
  return (
    <section className="card" aria-label="Last applied changes" aria-live="polite">
      <h3>
        Applied to the {where} at <span className="num">{formatClock(lastApplied.at)}</span> — no restart needed
      </h3>
      <ul>
        {lastApplied.changes.map((c) => (
          <li key={c.key}>
            {settingMeta(c.key).label}: <span className="num">{c.from}</span> → <span className="num">{c.to}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
