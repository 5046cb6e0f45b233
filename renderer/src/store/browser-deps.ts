// The real transports: fetch, EventSource and XMLHttpRequest against the manager's relative URLs.
import { desktopBridge } from '../api/desktop-bridge';
import { eventSourceOpener } from '../api/event-stream';
import { createApiClient } from '../api/http';
import { xhrUploader } from '../api/upload';
import type { StoreDeps } from './deps';

export function browserDeps(token: string | null): StoreDeps {
  const api = createApiClient(token);
  return {
    api,
    openEvents: eventSourceOpener(api.linkUrl('/api/events')),
    startUpload: xhrUploader(api.authHeaders),
    now: () => Date.now(),
    desktop: desktopBridge(),
  };
}
