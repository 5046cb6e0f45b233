// node.json: which cluster and node a data directory belongs to. Written once, atomically, on
// first start; checked on every start so that a node pointed at another node's (or another
// cluster's) data refuses to run instead of mixing two Raft logs.
import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from './atomic-file';
import { unreadableFormat } from '../common/format-version';
import { MetadataFileError, NodeIdentityMismatchError } from './errors';

export const NODE_FILE = 'node.json';
const FORMAT_VERSION = 1;

export interface NodeIdentity {
  readonly clusterId: string;
  readonly nodeId: number;
}

interface NodeFile extends NodeIdentity {
  readonly formatVersion: number;
  readonly createdAt: string;
}

/** The identity recorded in `dataDir`, or undefined when the directory has none yet. */
export async function readNodeIdentity(dataDir: string): Promise<NodeIdentity | undefined> {
  const file = path.join(dataDir, NODE_FILE);
  const value = (await readJsonFile(file)) as Partial<NodeFile> | undefined;
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new MetadataFileError(file, 'expected a JSON object');
  if (value.formatVersion !== FORMAT_VERSION) throw new MetadataFileError(file, unreadableFormat('the data directory', value.formatVersion, [FORMAT_VERSION]));
  if (typeof value.clusterId !== 'string' || value.clusterId === '') throw new MetadataFileError(file, 'clusterId must be a non-empty string');
  if (!Number.isSafeInteger(value.nodeId) || (value.nodeId as number) < 1) throw new MetadataFileError(file, 'nodeId must be a positive integer');
  return { clusterId: value.clusterId, nodeId: value.nodeId as number };
}

/**
 * Records `identity` in `dataDir` on first start, or checks that the recorded one matches.
 * Throws NodeIdentityMismatchError when the directory belongs to another node or cluster.
 */
export async function ensureNodeIdentity(dataDir: string, identity: NodeIdentity): Promise<{ identity: NodeIdentity; created: boolean }> {
  const file = path.join(dataDir, NODE_FILE);
  const stored = await readNodeIdentity(dataDir);
  if (stored === undefined) {
    const record: NodeFile = { formatVersion: FORMAT_VERSION, clusterId: identity.clusterId, nodeId: identity.nodeId, createdAt: new Date().toISOString() };
    await writeJsonAtomic(file, record);
    return { identity: { clusterId: identity.clusterId, nodeId: identity.nodeId }, created: true };
  }
  if (stored.clusterId !== identity.clusterId) throw new NodeIdentityMismatchError(file, 'clusterId', stored.clusterId, identity.clusterId);
  if (stored.nodeId !== identity.nodeId) throw new NodeIdentityMismatchError(file, 'nodeId', stored.nodeId, identity.nodeId);
  return { identity: stored, created: false };
}
