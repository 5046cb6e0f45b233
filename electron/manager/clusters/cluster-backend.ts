// What the rest of the manager needs from a cluster, whether the manager runs its nodes (local
// mode) or only watches nodes running elsewhere (attach mode).
import type { AddedNode, NodeAction, ProcessInfo, S3Access } from '../../../node-runtime/common/manager-api';
import type { NodeAccess } from './node-access';
import type { NodeEvent } from '../../../node-runtime/common/node-events';

export interface MemberView {
  readonly id: number;
  readonly httpUrl: string;
  readonly peerAddress: string | null;
  /** Null in attach mode. */
  readonly process: ProcessInfo | null;
}

export interface ClusterBackend {
  readonly mode: 'local' | 'attach';
  readonly profile: string;
  /** How to reach the nodes: the CA to trust, and the token and secret (needed for fault injection), sent only to them. */
  readonly access: NodeAccess;
  /** The key the nodes' S3 endpoints accept, when this app gave it to them (local mode). */
  readonly s3Credentials: S3Access | null;
  members(): MemberView[];
  /** Called whenever membership or a process state changed. */
  onChange(listener: () => void): () => void;
  /**
   * Events the nodes push: over their IPC channels in local mode, over each node's `GET /events`
   * stream in attach mode.
   */
  onNodeEvent(listener: (event: NodeEvent) => void): () => void;
  /**
   * A node's event stream opened or dropped: its `GET /events` stream in attach mode, its IPC
   * channel in local mode (which reports drops only). A drop marks the node down at once; it is
   * back when it answers again (a poll sent after the drop, or an event on a reopened stream).
   */
  onEventStream?(listener: (nodeId: number, open: boolean) => void): () => void;
  start(): Promise<void>;
  /** Graceful: local nodes get SIGTERM, then SIGKILL after the bound. */
  stop(): Promise<void>;
  nodeAction(id: number, action: NodeAction): Promise<void>;
  /** Starts a new node that will join the running cluster (local mode only). */
  spawnJoiner(): Promise<AddedNode>;
  /** Forgets a node that left the membership; local mode also stops it and deletes its data. */
  retire(id: number): Promise<void>;
}
