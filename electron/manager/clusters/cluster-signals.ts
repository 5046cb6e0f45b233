// The listener plumbing every ClusterBackend has, whether it runs its nodes or attaches to them:
// what the rest of the manager subscribes to (cluster-backend.ts says what each signal means), and
// the protected calls a backend makes when one happens.
import type { NodeEvent } from '../../../node-runtime/common/node-events';

export abstract class ClusterSignals {
  private readonly changeListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: NodeEvent) => void>();
  private readonly streamListeners = new Set<(nodeId: number, open: boolean) => void>();

  onChange(listener: () => void): () => void {
    return subscribe(this.changeListeners, listener);
  }

  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    return subscribe(this.eventListeners, listener);
  }

  onEventStream(listener: (nodeId: number, open: boolean) => void): () => void {
    return subscribe(this.streamListeners, listener);
  }

  /** Membership or a process state changed. */
  protected changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  protected nodeEvent(event: NodeEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  protected eventStream(nodeId: number, open: boolean): void {
    for (const listener of this.streamListeners) listener(nodeId, open);
  }
}

function subscribe<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
