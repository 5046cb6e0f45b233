// Every store request goes through here so the Activity view can chart the dashboard's latency.
import type { RequestOptions } from '../api/http';
import type { StoreDeps } from './deps';
import type { AppStore } from './state';

export type TimedRequest = <T>(method: string, path: string, options?: RequestOptions) => Promise<T>;

export function timedRequest(get: AppStore['getState'], deps: StoreDeps): TimedRequest {
  return async <T,>(method: string, path: string, options?: RequestOptions): Promise<T> => {
    const started = deps.now();
    try {
      return await deps.api.request<T>(method, path, options);
    } finally {
      get().recordLatency(deps.now() - started);
    }
  };
}
