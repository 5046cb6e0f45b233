// Says when the dashboard cannot hear the cluster manager, and offers a way forward.
import { useApp } from '../store/context';
import { useNow } from './useNow';

export function ConnectionBanner() {
  const connection = useApp((s) => s.connection);
  const hadSnapshot = useApp((s) => s.snapshot !== null);
  const reconnectNow = useApp((s) => s.reconnectNow);
  const now = useNow();

  if (connection.status === 'open') return null;
  if (connection.status === 'connecting') {
    return (
      <div role="status" className="banner banner-info">
        <p>Connecting to the cluster manager…</p>
      </div>
    );
  }
  const retryInSec = connection.nextRetryAt === null ? null : Math.max(0, Math.ceil((connection.nextRetryAt - now) / 1000));
  return (
    <div role="alert" className="banner banner-bad">
      {connection.problem === 'unauthorized' ? (
        <p>
          <strong>The cluster manager refused this page.</strong> Its access token changes every time DFS Desktop starts: open the
          dashboard again from the link it printed (or from the app window).
        </p>
      ) : (
        <p>
          <strong>{hadSnapshot ? 'Lost contact with the cluster manager.' : 'Cannot reach the cluster manager.'}</strong>{' '}
          {hadSnapshot ? 'What you see may be out of date. ' : ''}
          Check that DFS Desktop (or <span className="mono">npm start -- --web</span>) is still running.{' '}
          {retryInSec !== null && <span className="num">Retrying in {retryInSec} s.</span>}
        </p>
      )}
      <button type="button" className="btn" onClick={reconnectNow}>
        Reconnect now
      </button>
    </div>
  );
}
