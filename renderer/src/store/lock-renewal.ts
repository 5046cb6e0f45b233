// Keeps the locks this dashboard holds until the user releases them: each is renewed halfway
// through its lease (`PUT /api/locks/<name>` with its token). Only timers live here; what a
// renewal or a loss means for the listing is the caller's.
import type { LockInfo } from '../../../node-runtime/common/api-types';
import type { ApiClient } from '../api/http';

/** A held lock is renewed when this fraction of its lease has passed. */
const RENEW_AT = 0.5;
const MIN_RENEW_DELAY_MS = 500;

export interface LockRenewal {
  /** Schedules the next renewal of a lock just granted or renewed. */
  keep(name: string, lock: LockInfo): void;
  stop(name: string): void;
}

export function lockRenewal(options: {
  request: ApiClient['request'];
  tokenOf(name: string): string | undefined;
  onRenewed(name: string, lock: LockInfo): void;
  onLost(name: string, err: unknown): void;
}): LockRenewal {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const stop = (name: string) => {
    clearTimeout(timers.get(name));
    timers.delete(name);
  };

  function keep(name: string, lock: LockInfo): void {
    const lease = Date.parse(lock.expiresAt) - Date.parse(lock.acquiredAt);
    stop(name);
    const renew = () => {
      timers.delete(name);
      const token = options.tokenOf(name);
      if (token === undefined) return;
      options
        .request<LockInfo>('PUT', `/api/locks/${encodeURIComponent(name)}`, { body: { token }, headers: { 'X-Lock-Token': token } })
        .then((renewed) => {
          options.onRenewed(name, renewed);
          keep(name, renewed);
        })
        .catch((err: unknown) => options.onLost(name, err));
    };
    timers.set(name, setTimeout(renew, Math.max(MIN_RENEW_DELAY_MS, lease * RENEW_AT)));
  }

  return { keep, stop };
}
