// Parses the seed's command line (`--node 0 --http :8081 --cluster "1,:3030;2,:3031;3,:3032"`)
// plus our own flags and environment into one typed NodeOptions. Pure: argv and env in, options out.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_FIXED_YOUNG_GENERATION, DEFAULT_HEAP_GROWING_PERCENT } from './heap-policy';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ClusterMember {
  readonly id: number;
  readonly peer: HostPort;
}

export interface NodeOptions {
  /** Index into `cluster` (the seed's `--node`). */
  readonly nodeIndex: number;
  readonly id: number;
  readonly http: HostPort;
  /** Neither --http nor PORT was given: a config file's `port` may still choose the HTTP port. */
  readonly httpDefaulted: boolean;
  readonly cluster: readonly ClusterMember[];
  readonly dataDir: string;
  readonly configFile?: string;
  /** --log-level. */
  readonly logLevel?: string;
  /** LOG_LEVEL from the environment (a separate layer: the flag wins). */
  readonly envLogLevel?: string;
  readonly faultInjection: boolean;
  readonly join: boolean;
  /** --insecure: serve the HTTP API beyond loopback without TLS (an empty host then means every interface). */
  readonly insecure: boolean;
  /** --api-token-file: the client API token (else DFS_API_TOKEN). */
  readonly apiTokenFile?: string;
  /** --s3: serve the S3-compatible endpoint there too (issue #17); credentials come from the environment. */
  readonly s3?: HostPort;
  /** How other machines reach this node's HTTP and S3 ports (common/listen-address.ts). */
  readonly advertise: { readonly explicit?: string; readonly peerHost: string };
  /** --tls-cert, --tls-key, --tls-ca (all or none): HTTPS for the API and S3, mutual TLS between peers. */
  readonly tlsFiles?: TlsFiles;
  /** DFS_HEAP_GROWING_PERCENT: how far V8's heap may grow past what is live (heap-policy.ts); null leaves V8's own choice (0). */
  readonly heapGrowingPercent: number | null;
  /** DFS_FIXED_YOUNG_GENERATION: V8's young generation kept at its starting size (heap-policy.ts). */
  readonly fixedYoungGeneration: boolean;
}

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export class UsageError extends Error {}

/** ":8081", "8081", "127.0.0.1:8081", "[::1]:8081" → host + port (empty host: loopback, see NodeOptions.insecure). */
export function parseHostPort(text: string): HostPort {
  const trimmed = text.trim();
  const colon = trimmed.lastIndexOf(':');
  const rawHost = colon < 0 ? '' : trimmed.slice(0, colon);
  const rawPort = colon < 0 ? trimmed : trimmed.slice(colon + 1);
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected [host]:port, got "${text}"`);
  }
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  return { host, port };
}

/** "1,:3030;2,:3031;3,:3032" → members with ids and peer addresses, ids unique and positive. */
export function parseCluster(text: string): ClusterMember[] {
  const members = text
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const comma = item.indexOf(',');
      const id = Number(item.slice(0, comma));
      if (comma < 0 || !Number.isInteger(id) || id <= 0) {
        throw new InvalidArgumentError(`expected "id,[host]:port" with a positive integer id, got "${item}"`);
      }
      return { id, peer: parseHostPort(item.slice(comma + 1)) };
    });
  if (members.length === 0) throw new InvalidArgumentError('the cluster list is empty');
  if (new Set(members.map((m) => m.id)).size !== members.length) {
    throw new InvalidArgumentError(`node ids must be unique in "${text}"`);
  }
  return members;
}

export function parseIndex(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${text}"`);
  return n;
}

export function buildCommand(): Command {
  return new Command('dfs-node')
    .description('A DFS node: Raft consensus, replicated chunk storage and the HTTP API, in one process.')
    .option('--node <index>', 'this node\'s position in the --cluster list (0-based), as in the seed', parseIndex, 0)
    .option('--http <[host]:port>', 'public HTTP API address (env PORT sets the port)', parseHostPort)
    .option('--cluster <list>', 'cluster members "id,[host]:peerPort;..." (the peer address carries Raft and chunk traffic)', parseCluster)
    .option('--data-dir <dir>', 'where this node keeps its log, snapshots and chunks (env STORAGE_PATH; default ./data/node-<id>)')
    .option('--config <file.json>', 'configuration file in the seed\'s format; edits apply live')
    .option('--log-level <level>', 'DEBUG, INFO, WARN or ERROR (env LOG_LEVEL)')
    .option('--join', 'start as a new member of an existing cluster (added with a membership change), not a founder', false)
    .option('--fault-injection', 'accept fault rules (partitions) from a caller holding the cluster secret; for demos and tests', false)
    .option('--api-token-file <file>', 'file holding the client API token every client route then needs (env DFS_API_TOKEN)')
    .option('--s3 <[host]:port>', 'also serve the S3-compatible API here (credentials: DFS_S3_ACCESS_KEY and DFS_S3_SECRET_KEY, or DFS_S3_CREDENTIALS_FILE)', parseHostPort)
    .option('--advertise-host <host>', 'the name or address other nodes and clients reach this node\'s HTTP and S3 ports at (default: the listening host; when listening on every interface, the host of this node\'s --cluster entry)')
    .option('--tls-cert <file>', 'PEM certificate of this node: HTTPS for the API and S3, TLS between peers (with --tls-key and --tls-ca)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM certificate of the CA that signed every node\'s certificate; peers must present one it signed')
    .option('--insecure', 'serve the API on a non-loopback address without a client token, a cluster secret and TLS; without it ":port" means 127.0.0.1', false)
    .addHelpText(
      'after',
      '\nEnvironment: PORT, STORAGE_PATH, LOG_LEVEL as in the seed; DFS_CLUSTER_SECRET authenticates peer traffic\n' +
        '(without it, nodes share a generated one beside their data directories); DFS_API_TOKEN guards client routes;\n' +
        'DFS_HEAP_GROWING_PERCENT (default 100, 0 for V8\'s own) bounds how far the heap grows past what is live;\n' +
        'DFS_FIXED_YOUNG_GENERATION (default 1; 0 for V8\'s own growth) keeps the young generation at its starting size.\n' +
        'Example: dfs-node --node 0 --http :8081 --cluster "1,:3030;2,:3031;3,:3032"',
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

interface RawFlags {
  node: number;
  http?: HostPort;
  cluster?: ClusterMember[];
  dataDir?: string;
  config?: string;
  logLevel?: string;
  join: boolean;
  faultInjection: boolean;
  insecure: boolean;
  apiTokenFile?: string;
  s3?: HostPort;
  advertiseHost?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || /^127(\.\d{1,3}){3}$/.test(lower);
}

const defaultCluster: ClusterMember[] = [{ id: 1, peer: { host: '', port: 3030 } }];

export function parseNodeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): NodeOptions {
  const command = buildCommand();
  command.parse([...argv], { from: 'user' });
  const flags = command.opts<RawFlags>();
  const cluster = flags.cluster ?? defaultCluster;
  const self = cluster[flags.node];
  if (!self) {
    throw new UsageError(`--node ${flags.node} is outside the cluster list (it has ${cluster.length} members, indexed from 0)`);
  }
  const http = flags.http ?? (env.PORT ? parseHostPort(env.PORT) : { host: '', port: 8081 + flags.node });
  const tlsFiles = tlsFilesOf(flags);
  // DESIGN.md, safe by default: the API reaches beyond this machine only when it is guarded (a
  // client token, a cluster secret, TLS), or when asked in so many words (--insecure).
  const missing = [
    ...(flags.apiTokenFile === undefined && !env.DFS_API_TOKEN ? ['a client token (--api-token-file or DFS_API_TOKEN)'] : []),
    ...(!env.DFS_CLUSTER_SECRET ? ['a cluster secret (DFS_CLUSTER_SECRET)'] : []),
    ...(tlsFiles === undefined ? ['TLS (--tls-cert, --tls-key, --tls-ca)'] : []),
  ];
  for (const [flag, address] of [['--http', http], ['--s3', flags.s3]] as const) {
    if (address && address.host !== '' && !isLoopbackHost(address.host) && !flags.insecure && missing.length > 0) refuseNetworkAddress(flag, address, missing);
  }
  return {
    nodeIndex: flags.node,
    id: self.id,
    http,
    httpDefaulted: flags.http === undefined && !env.PORT,
    cluster,
    dataDir: flags.dataDir ?? env.STORAGE_PATH ?? `./data/node-${self.id}`,
    configFile: flags.config,
    logLevel: flags.logLevel,
    envLogLevel: env.LOG_LEVEL,
    faultInjection: flags.faultInjection,
    join: flags.join,
    insecure: flags.insecure,
    apiTokenFile: flags.apiTokenFile,
    ...(flags.s3 !== undefined && { s3: flags.s3 }),
    advertise: { ...(flags.advertiseHost !== undefined && { explicit: flags.advertiseHost }), peerHost: self.peer.host },
    ...(tlsFiles !== undefined && { tlsFiles }),
    heapGrowingPercent: heapGrowingPercentOf(env),
    fixedYoungGeneration: fixedYoungGenerationOf(env),
  };
}

/** DFS_FIXED_YOUNG_GENERATION: 1 keeps V8's young generation at its starting size, 0 lets it grow; unset, the default (heap-policy.ts). */
function fixedYoungGenerationOf(env: NodeJS.ProcessEnv): boolean {
  const text = (env.DFS_FIXED_YOUNG_GENERATION ?? '').trim();
  if (text === '') return DEFAULT_FIXED_YOUNG_GENERATION;
  if (text !== '0' && text !== '1') throw new UsageError(`DFS_FIXED_YOUNG_GENERATION must be 1 (young generation kept at V8's starting size) or 0 (V8's own growth), got "${text}"`);
  return text === '1';
}

/** DFS_HEAP_GROWING_PERCENT: an integer 0–300, 0 for V8's own sizing; unset, the default (heap-policy.ts). */
function heapGrowingPercentOf(env: NodeJS.ProcessEnv): number | null {
  const text = env.DFS_HEAP_GROWING_PERCENT;
  if (text === undefined || text.trim() === '') return DEFAULT_HEAP_GROWING_PERCENT;
  const percent = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(percent) || percent > 300) throw new UsageError(`DFS_HEAP_GROWING_PERCENT must be an integer from 0 (V8's own heap sizing) to 300, got "${text}"`);
  return percent === 0 ? null : percent;
}

function tlsFilesOf({ tlsCert, tlsKey, tlsCa }: RawFlags): TlsFiles | undefined {
  if (tlsCert === undefined && tlsKey === undefined && tlsCa === undefined) return undefined;
  if (tlsCert === undefined || tlsKey === undefined || tlsCa === undefined) {
    throw new UsageError('TLS needs all three of --tls-cert, --tls-key and --tls-ca (the CA verifies the other nodes)');
  }
  return { cert: tlsCert, key: tlsKey, ca: tlsCa };
}

function refuseNetworkAddress(flag: string, address: HostPort, missing: readonly string[]): never {
  throw new UsageError(
    `${flag} ${address.host}:${address.port} would serve the API to the network, which needs a client token, a cluster secret and TLS; ` +
      `missing: ${missing.join(', ')}. Add them, or --insecure to serve it unguarded anyway, or use ":port" for loopback`,
  );
}
