// The local cluster's identity on disk, in the app's data dir: `cluster.json` (node ids, ports,
// which nodes founded the cluster), `cluster.secret` (0600) and `s3-credentials.json` (0600: the
// key every node's S3 endpoint accepts, in the format `npm run cluster` writes too). Quitting and starting again brings
// back the same nodes with the same ports and data directories, so the files are still there.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { newSecret, readTextIfExists, writeFileAtomic } from '../files';
import { isPortFree, pickPort, SEED_HTTP_PORTS, SEED_PEER_PORTS, SEED_S3_PORTS } from './ports';

const s3CredentialsSchema = z.object({ accessKey: z.string().min(3), secretKey: z.string().min(8) });
export type S3Credentials = z.infer<typeof s3CredentialsSchema>;

const storedNodeSchema = z.object({
  id: z.number().int().min(1),
  httpPort: z.number().int().min(1).max(65535),
  peerPort: z.number().int().min(1).max(65535),
  /** The node's S3 endpoint (issue #17); cluster files written before it have none until the next start. */
  s3Port: z.number().int().min(1).max(65535).optional(),
  /** False for nodes added later: they start with `--join`. */
  founder: z.boolean(),
});

const storedClusterSchema = z.object({
  version: z.literal(1),
  /** Ids are never reused: a removed node's id and data stay retired. */
  nextId: z.number().int().min(1),
  nodes: z.array(storedNodeSchema),
});

async function allFree(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) if (!(await isPortFree(port))) return false;
  return true;
}

export type StoredNode = z.infer<typeof storedNodeSchema>;
export type StoredCluster = z.infer<typeof storedClusterSchema>;

export interface CreateOptions {
  readonly nodeCount: number;
  /** Try the seed's ports 8081.. / 3030.. first (off in tests, which run beside other clusters). */
  readonly seedPorts: boolean;
}

export class ClusterStore {
  readonly dataDir: string;

  constructor(dataDir: string) {
    // Absolute, so node command lines name it the same way whatever our working directory.
    this.dataDir = path.resolve(dataDir);
  }

  get clusterFile(): string {
    return path.join(this.dataDir, 'cluster.json');
  }

  get secretFile(): string {
    return path.join(this.dataDir, 'cluster.secret');
  }

  nodeDataDir(id: number): string {
    return path.join(this.dataDir, `node-${id}`);
  }

  /** The saved cluster and its secret, or a new one (saved before it is returned). */
  async loadOrCreate(options: CreateOptions): Promise<{ cluster: StoredCluster; secret: string; created: boolean }> {
    const text = await readTextIfExists(this.clusterFile);
    const secret = await this.loadOrCreateSecret();
    if (text !== null) {
      const parsed = storedClusterSchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        throw new Error(`${this.clusterFile} is not a valid cluster file: ${parsed.error.message}`);
      }
      return { cluster: parsed.data, secret, created: false };
    }
    const taken = new Set<number>();
    // The seed's ports all or none: half a seed layout would mix our nodes with another
    // cluster's that is merely restarting right now.
    const seed = options.seedPorts && options.nodeCount <= SEED_HTTP_PORTS.length && (await allFree([...SEED_HTTP_PORTS, ...SEED_PEER_PORTS]));
    const nodes: StoredNode[] = [];
    for (let i = 0; i < options.nodeCount; i += 1) {
      nodes.push({
        id: i + 1,
        httpPort: await pickPort(taken, seed ? SEED_HTTP_PORTS[i] : undefined),
        peerPort: await pickPort(taken, seed ? SEED_PEER_PORTS[i] : undefined),
        s3Port: await pickPort(taken, seed ? SEED_S3_PORTS[i] : undefined),
        founder: true,
      });
    }
    const cluster: StoredCluster = { version: 1, nextId: options.nodeCount + 1, nodes };
    await this.save(cluster);
    return { cluster, secret, created: true };
  }

  get s3CredentialsFile(): string {
    return path.join(this.dataDir, 's3-credentials.json');
  }

  /** The S3 key pair every node accepts, generated on first use. */
  async loadOrCreateS3Credentials(): Promise<S3Credentials> {
    const text = await readTextIfExists(this.s3CredentialsFile);
    if (text !== null) return s3CredentialsSchema.parse(JSON.parse(text));
    const credentials = { accessKey: `dfs${newSecret().slice(0, 12).toLowerCase().replace(/[^a-z0-9]/g, '0')}`, secretKey: newSecret() };
    await writeFileAtomic(this.s3CredentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
    return credentials;
  }

  async save(cluster: StoredCluster): Promise<void> {
    await writeFileAtomic(this.clusterFile, `${JSON.stringify(cluster, null, 2)}\n`);
  }

  async deleteNodeData(id: number): Promise<void> {
    await rm(this.nodeDataDir(id), { recursive: true, force: true });
  }

  private async loadOrCreateSecret(): Promise<string> {
    const existing = await readTextIfExists(this.secretFile);
    if (existing !== null && existing.trim().length > 0) return existing.trim();
    const secret = newSecret();
    await writeFileAtomic(this.secretFile, `${secret}\n`, 0o600);
    return secret;
  }
}
