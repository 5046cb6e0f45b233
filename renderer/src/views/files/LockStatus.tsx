// Who holds a file's lock and until when.
import type { LockInfo } from '../../../../node-runtime/common/api-types';
import { EXPLAIN } from '../../format/explain';

export function LockStatus({ lock, heldHere }: { lock: LockInfo | undefined; heldHere: boolean }) {
  if (lock === undefined) return <span className="muted">—</span>;
  const until = new Date(lock.expiresAt).toLocaleTimeString(undefined, { hour12: false });
  return (
    <span className="pill pill-warn" title={`Locked by ${lock.owner} until ${until}. ${EXPLAIN.lock}`}>
      {heldHere ? 'Locked by you' : `Locked`}
    </span>
  );
}
