// Fan-out of ManagerEvents from the parts that produce them (cluster view, logs, uploads) to the
// parts that stream them (each SSE connection). Synchronous and in-process.
import type { ManagerEvents } from '../../../node-runtime/common/manager-api';

export type ManagerEvent = { [K in keyof ManagerEvents]: { readonly name: K; readonly data: ManagerEvents[K] } }[keyof ManagerEvents];

export class EventBus {
  private readonly listeners = new Set<(event: ManagerEvent) => void>();

  emit<K extends keyof ManagerEvents>(name: K, data: ManagerEvents[K]): void {
    const event = { name, data } as ManagerEvent;
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: ManagerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
