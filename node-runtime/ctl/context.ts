// What every dfsctl command is given: the client for the cluster, the output, and the cluster
// secret for the few routes that need it.
import type { ClusterClient } from './http-client';
import type { Output } from './output';

export interface Ctl {
  readonly client: ClusterClient;
  readonly out: Output;
  /** DFS_CLUSTER_SECRET, for membership changes. */
  readonly secret?: string;
}

/** A file name as a URL path: each "/"-separated part encoded on its own, so folders stay folders. */
export function namePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
