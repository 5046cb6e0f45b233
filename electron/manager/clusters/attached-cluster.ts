// Attach mode: headless nodes running elsewhere, known by their URLs. The manager watches and
// injects faults through their APIs, but owns no process: start, stop and friends answer 409.
// Each node's pushed events arrive over its `GET /events` stream, one per node while attached.
import { ApiError } from '../../../node-runtime/common/errors';
import type { AddedNode, NodeAction } from '../../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import type { ClusterBackend, MemberView } from './cluster-backend';
import { NodeAccess } from './node-access';
import { NodeEventStream } from './node-event-stream';

export interface AttachedNode {
  readonly id: number;
  readonly httpUrl: string;
}

export class AttachedCluster implements ClusterBackend {
  readonly mode = 'attach';
  /** Nodes started elsewhere got their S3 keys elsewhere. */
  readonly s3Credentials = null;
  private nodes: AttachedNode[];
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: NodeEvent) => void>();
  private readonly streamListeners = new Set<(nodeId: number, open: boolean) => void>();
  private readonly streams = new Map<number, NodeEventStream>();
  readonly access: NodeAccess;

  constructor(
    readonly profile: string,
    nodes: readonly AttachedNode[],
    credentials: { readonly secret: string | null; readonly token: string | null; readonly ca: string | null },
  ) {
    this.nodes = [...nodes];
    this.access = new NodeAccess({ ca: credentials.ca, token: credentials.token, secret: () => credentials.secret, ownNodes: () => this.members() });
  }

  members(): MemberView[] {
    return this.nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl.replace(/\/+$/, ''), peerAddress: null, process: null }));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onNodeEvent(listener: (event: NodeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onEventStream(listener: (nodeId: number, open: boolean) => void): () => void {
    this.streamListeners.add(listener);
    return () => this.streamListeners.delete(listener);
  }

  async start(): Promise<void> {
    for (const member of this.members()) {
      this.streams.get(member.id)?.close();
      this.streams.set(member.id, new NodeEventStream(member.id, member.httpUrl, this.access, {
        onEvent: (event) => {
          for (const listener of this.eventListeners) listener(event);
        },
        onOpen: (open) => {
          for (const listener of this.streamListeners) listener(member.id, open);
        },
      }));
    }
  }

  async stop(): Promise<void> {
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
    this.access.close();
  }

  async nodeAction(id: number, action: NodeAction): Promise<void> {
    throw new ApiError('conflict', `cannot ${action} node ${id}: in attach mode (profile "${this.profile}") the nodes' processes run elsewhere`);
  }

  async spawnJoiner(): Promise<AddedNode> {
    throw new ApiError('conflict', `cannot add a node in attach mode (profile "${this.profile}"): start it where it runs, with --join`);
  }

  async retire(id: number): Promise<void> {
    this.nodes = this.nodes.filter((n) => n.id !== id);
    this.streams.get(id)?.close();
    this.streams.delete(id);
    for (const listener of this.listeners) listener();
  }
}
