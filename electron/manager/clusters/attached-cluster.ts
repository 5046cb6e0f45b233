// Attach mode: headless nodes running elsewhere, known by their URLs. The manager watches and
// injects faults through their APIs, but owns no process: start, stop and friends answer 409.
// Each node's pushed events arrive over its `GET /events` stream, one per node while attached.
import { ApiError } from '../../../node-runtime/common/errors';
import type { AddedNode, NodeAction } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend, MemberView } from './cluster-backend';
import { ClusterSignals } from './cluster-signals';
import { NodeAccess } from './node-access';
import { NodeEventStream } from './node-event-stream';

export interface AttachedNode {
  readonly id: number;
  readonly httpUrl: string;
}

export class AttachedCluster extends ClusterSignals implements ClusterBackend {
  readonly mode = 'attach';
  /** Nodes started elsewhere got their S3 keys elsewhere. */
  readonly s3Credentials = null;
  private nodes: AttachedNode[];
  private readonly streams = new Map<number, NodeEventStream>();
  readonly access: NodeAccess;

  constructor(
    readonly profile: string,
    nodes: readonly AttachedNode[],
    credentials: { readonly secret: string | null; readonly token: string | null; readonly ca: string | null },
  ) {
    super();
    this.nodes = [...nodes];
    this.access = new NodeAccess({ ca: credentials.ca, token: credentials.token, secret: () => credentials.secret, ownNodes: () => this.members() });
  }

  members(): MemberView[] {
    return this.nodes.map((n) => ({ id: n.id, httpUrl: n.httpUrl.replace(/\/+$/, ''), peerAddress: null, process: null }));
  }

  async start(): Promise<void> {
    for (const member of this.members()) {
      this.streams.get(member.id)?.close();
      this.streams.set(member.id, new NodeEventStream(member.id, member.httpUrl, this.access, {
        onEvent: (event) => this.nodeEvent(event),
        onOpen: (open) => this.eventStream(member.id, open),
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
    this.changed();
  }
}
