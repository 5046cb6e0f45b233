// The one Server-Sent Events connection to the manager (`/api/events`). EventSource cannot send
// headers, so the token (web mode) travels as `?token=`.
import type { ManagerEvents } from '../../../node-runtime/common/manager-api';

export type ManagerEvent = { [K in keyof ManagerEvents]: { readonly type: K; readonly data: ManagerEvents[K] } }[keyof ManagerEvents];

const MANAGER_EVENT_TYPES = ['snapshot', 'log', 'upload', 'archive', 'leaderChange', 'watchedFolders', 'nodeEvent'] as const satisfies readonly (keyof ManagerEvents)[];

export interface EventStreamHandlers {
  onOpen(): void;
  onEvent(event: ManagerEvent): void;
  /** The connection broke or could not be made; the caller decides when to try again. */
  onError(): void;
}

export interface EventStream {
  close(): void;
}

export type OpenEventStream = (handlers: EventStreamHandlers) => EventStream;

export function eventSourceOpener(url: string): OpenEventStream {
  return (handlers) => {
    const source = new EventSource(url);
    source.onopen = () => handlers.onOpen();
    source.onerror = () => handlers.onError();
    for (const type of MANAGER_EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        let data: unknown;
        try {
          data = JSON.parse((message as MessageEvent<string>).data);
        } catch {
          return;
        }
        handlers.onEvent({ type, data } as ManagerEvent);
      });
    }
    return { close: () => source.close() };
  };
}
