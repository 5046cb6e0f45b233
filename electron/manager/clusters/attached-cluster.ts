// Attach mode: headless nodes running elsewhere, known by their URLs. The manager watches and
// injects faults through their APIs, but owns no process: start, stop and friends answer 409.
import { ApiError } from '../../../node-runtime/common/errors';
import type { AddedNode, NodeAction } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend, MemberView } from './cluster-backend';
import { NodeAccess } from './node-access';

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

  onNodeEvent(): () => void {
    return () => {};
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
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
    for (const listener of this.listeners) listener();
  }
}
