// Wires storage, Raft, the state machine, the transport and the HTTP API into one process, and
// takes them down again in the reverse order on SIGTERM/SIGINT or when the parent goes away.
import { createHash, randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from '../api/app';
import { answerClientErrors } from '../api/client-errors';
import { FORWARDED_HEADER } from '../api/forward';
import { DiskGuard } from '../services/disk-guard';
import { NODE_DEFAULTS, type NodeSettings } from '../common/config';
import { ApiError, apiErrorBodySchema } from '../common/errors';
import type { NodeServices } from '../api/node-services';
import type { NodeOptions } from './cli-options';
import { toFileInfo, toFileList, StateMachine, type ApplyResult } from '../fsm';
import { createLogger } from './logger';
import { levelSetting, parseOrThrow, readConfigFile, StartupError, watchConfigFile } from './config-file';
import { registerNodeGauges } from '../services/node-gauges';
import { openNodeStorage } from './open-storage';
import { RawNode } from '../raft/rawnode';
import { RaftDriver, type AppliedStateMachine } from './raft-driver';
import { BackgroundServices, timingsFromEnv } from '../services/background-services';
import { ChunkRepairer } from '../services/chunk-repairer';
import { ChunkSync } from '../services/chunk-sync';
import { CommandRunner } from '../services/command-runner';
import { ConfigService } from '../services/config-service';
import { FileReader } from '../services/file-reader';
import { FileWriter } from '../services/file-writer';
import { RaftLockService } from '../services/lock-service';
import { parsePeerAddress, RaftMembershipService } from '../services/membership-service';
import { RecoveryStatusTracker } from '../services/recovery-status';
import type { ScrubStatus } from '../services/scrubber';
import { StatusReporter } from '../services/status-reporter';
import { TrafficStats } from '../services/traffic-stats';
import { isChunkHash, type ChunkStore } from '../storage/chunk-store';
import { storeChunked } from '../storage/chunker';
import { ChunkIntegrityError, PeerTransport, type PeerAddress } from '../transport';
import { ChunkHashMismatchError } from '../storage/errors';
import { loadApiToken } from './api-token';
import { devClusterSecret } from './dev-secret';
import { isAuthorized } from '../transport/auth';

/** Raft runs on a fixed tick; heartbeat and election timeouts are whole numbers of ticks. */
const TICK_MS = 20;
const PROPOSAL_TIMEOUT_MS = 5_000;
const SHUTDOWN_GRACE_MS = 5_000;

export async function runNode(options: NodeOptions): Promise<void> {
  const node = await startNode(options);
  const stop = (reason: string) => {
    void node.stop(reason).then(() => process.exit(process.exitCode ?? 0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Spawned by the manager with an IPC channel: when the parent dies, the channel closes and we
  // go too, so a SIGKILLed manager leaves no orphaned node behind.
  if (process.send) process.once('disconnect', () => stop('parent process gone'));
}

export interface RunningNode {
  readonly httpUrl: string;
  readonly peerAddress: string;
  stop(reason: string): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });

  // Config file first: it may set the log level the logger starts with.
  const fileJson = options.configFile ? await readConfigFile(options.configFile) : undefined;
  const fileConfig = fileJson === undefined ? undefined : parseOrThrow(fileJson);
  const fileNodeSettings = fileConfig?.node ?? {};
  // The seed's config file names the HTTP port; flags and PORT still win over it.
  if (options.httpDefaulted && fileConfig?.identity.port !== undefined) options = { ...options, http: { ...options.http, port: fileConfig.identity.port } };
  const envSettings = levelSetting(options.envLogLevel, 'LOG_LEVEL');
  const flagSettings = levelSetting(options.logLevel, '--log-level');
  const logger = createLogger(options.id, flagSettings.logLevel ?? envSettings.logLevel ?? fileNodeSettings.logLevel ?? NODE_DEFAULTS.logLevel);

  const configuredSecret = process.env.DFS_CLUSTER_SECRET ?? '';
  const devSecret = configuredSecret === '' ? await devClusterSecret(dataDir) : null;
  const secret = devSecret?.secret ?? configuredSecret;
  if (devSecret) {
    logger.info({ devSecretFile: devSecret.file }, `no DFS_CLUSTER_SECRET: peers authenticate with the secret in ${devSecret.file}; nodes whose data directories sit elsewhere need DFS_CLUSTER_SECRET`);
  }
  const apiToken = await loadApiToken(options.apiTokenFile, process.env.DFS_API_TOKEN);
  const founders = options.cluster.map((m) => m.id);
  const storage = await openNodeStorage({
    dataDir,
    nodeId: options.id,
    clusterId: process.env.DFS_CLUSTER_ID ?? 'dfs',
    founders,
    join: options.join,
    logger,
  });
  const fsm = new StateMachine();
  if (storage.snapshot) fsm.restore(storage.snapshot.data);
  const chunks = storage.storage.chunks;
  const removedTemp = await chunks.cleanupTemp();
  if (removedTemp > 0) logger.info({ removedTemp }, 'removed temp files left by an interrupted write');

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  // ---- Peer transport -----------------------------------------------------------------------
  // The seed's ":8081" listened everywhere; without --insecure it now means loopback (DESIGN.md).
  const httpHost = options.http.host === '' ? (options.insecure ? '0.0.0.0' : '127.0.0.1') : options.http.host;
  // Listening starts before the API exists (the peer URL needs the port): answer 503 until then
  // rather than leave a request hanging for good.
  const starting: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"unavailable","detail":"the node is starting"}');
  };
  // The API answers a missing Host itself (Node's own check answers 400 with no body at all).
  // Request timeouts are checked every connectionsCheckingInterval; Node's 30 s would let a
  // trickling client outlive requestTimeoutMs by that much.
  const server = http.createServer({ requireHostHeader: false, connectionsCheckingInterval: 1_000 }, starting);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new StartupError(`the HTTP port ${httpHost}:${options.http.port} is already in use (another node running?)`) : err),
    );
    server.listen(options.http.port, httpHost, () => resolve());
  });
  const httpPort = (server.address() as AddressInfo).port;
  const advertisedHost = options.http.host === '' || options.http.host === '0.0.0.0' ? '127.0.0.1' : options.http.host;
  const httpUrl = `http://${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${httpPort}`;

  const self = options.cluster.find((m) => m.id === options.id);
  if (!self) throw new Error(`node ${options.id} is not in the --cluster list`);
  const peers = new Map<number, PeerAddress>(options.cluster.filter((m) => m.id !== options.id).map((m) => [m.id, m.peer]));

  let driver: RaftDriver<ApplyResult> | null = null;
  const transport = new PeerTransport({
    selfId: options.id,
    // The dev secret is for one machine: its peer port stays on loopback, as without any secret.
    listen: devSecret && self.peer.host === '' ? { ...self.peer, host: '127.0.0.1' } : self.peer,
    peers,
    secret,
    selfHttpUrl: httpUrl,
    onMessage: (m) => driver?.step(m),
    onUnreachable: (id) => driver?.reportUnreachable(id),
    storeChunk: async (hash, body, size) => {
      await checkDisk(size);
      background.noteIncomingChunk(hash);
      // The transport's contract names its own error for bytes that do not match their hash, so
      // it can answer the sender 422 instead of failing the request as an internal error.
      const stored = await chunks.put(hash, body).catch((err: unknown) => {
        throw err instanceof ChunkHashMismatchError ? new ChunkIntegrityError(hash, err.message) : err;
      });
      if (stored.size !== size) throw new ChunkIntegrityError(hash, `announced ${size} bytes, received ${stored.size}`);
    },
    openChunk: async (hash) => ((await chunks.has(hash)) ? chunks.get(hash) : null),
    log: logger,
  });

  // ---- Raft ---------------------------------------------------------------------------------
  const membership = new RaftMembershipService({
    selfId: options.id,
    dataDir,
    driver: () => raft,
    addPeer: (id, address) => transport.addPeer(id, address),
    removePeer: (id) => transport.removePeer(id),
    proposalTimeoutMs: () => PROPOSAL_TIMEOUT_MS,
    onRemoved: () => logger.warn('this node was removed from the cluster'),
    onPersistFailed: (err) => logger.error({ err: err.message }, 'could not save the member address book (members.json)'),
  });
  for (const [id, address] of await membership.load()) {
    if (id !== options.id && !peers.has(id)) transport.addPeer(id, parsePeerAddress(address.peerAddress));
  }

  let timing = timingTicks(fsm.clusterConfig());
  const rawNode = new RawNode({
    id: options.id,
    ...timing,
    storage: storage.memory,
    random: (n) => randomInt(n),
    applied: storage.snapshot?.metadata.index ?? 0,
    preVote: true,
    checkQuorum: true,
    // Writes reach the leader over HTTP (with their chunks); the core must not forward them.
    disableProposalForwarding: true,
  });

  let sync: ChunkSync | null = null;
  const stateMachine: AppliedStateMachine<ApplyResult> = {
    apply(entry) {
      const result = fsm.applyRaftEntry(entry);
      if (result.ok && result.type === 'put') sync?.want(result.file.chunks);
      if (result.ok && result.type === 'configSet') {
        // heartbeatInterval and electionTimeout apply live, on every node at the same entry.
        const next = timingTicks(result.config);
        if (next.electionTicks !== timing.electionTicks || next.heartbeatTicks !== timing.heartbeatTicks) {
          rawNode.setTimeouts(next.electionTicks, next.heartbeatTicks);
          timing = next;
        }
      }
      return result;
    },
    snapshot: () => fsm.snapshot(),
    restore(data) {
      fsm.restore(data);
      void sync?.rescan();
    },
  };
  let lastSnapshotAt: number | null = storage.snapshot ? Date.now() : null;
  driver = new RaftDriver<ApplyResult>({
    id: options.id,
    rawNode,
    memory: storage.memory,
    durable: storage.durable,
    stateMachine,
    send: (messages) => transport.send(messages),
    onConfChange: (change) => membership.applied(change),
    tickMs: TICK_MS,
    snapshotThreshold: () => fsm.clusterConfig().snapshotThreshold,
    // Keep some entries behind each snapshot so a briefly lagging follower needs no snapshot.
    compactionMargin: () => Math.min(1_000, Math.floor(fsm.clusterConfig().snapshotThreshold / 2)),
    applied: storage.snapshot?.metadata.index ?? 0,
    logger,
  });
  const raft = driver;
  raft.on('snapshotTaken', ({ at }) => {
    lastSnapshotAt = at;
  });

  // ---- Services -----------------------------------------------------------------------------
  const runner = new CommandRunner(raft, () => PROPOSAL_TIMEOUT_MS);
  const peerOrder = (): number[] => {
    const status = raft.status();
    const members = [...new Set([...status.confState.voters, ...status.confState.learners])].filter((id) => id !== options.id);
    return members.sort((a, b) => (a === raft.leaderId ? -1 : b === raft.leaderId ? 1 : a - b));
  };
  const repairer = new ChunkRepairer({
    peers: peerOrder,
    fetch: (peer, hash) => transport.fetchChunk(peer, hash, { timeoutMs: 10_000 }),
    store: async (hash, data) => {
      await chunks.put(hash, data);
    },
  });
  sync = new ChunkSync({
    fsm,
    repairer,
    has: (hash) => chunks.has(hash),
    enabled: () => fsm.clusterConfig().recoveryEnabled,
    concurrency: 4,
    retryMs: 1_000,
    onError: (hash, err) => logger.debug({ hash, err: err.message }, 'chunk catch-up failed; will retry'),
  });
  const chunkSync = sync;

  const config = new ConfigService({
    dataDir,
    fsm,
    runner,
    env: envSettings,
    flags: flagSettings,
    isLeader: () => raft.isLeader,
    forwardToLeader: async (patch) => {
      const leaderUrl = raft.leaderId ? transport.peerHttpUrl(raft.leaderId) : undefined;
      if (!leaderUrl) throw new ApiError('no_quorum', 'no leader is known to take the cluster setting');
      const res = await fetch(new URL('/config', leaderUrl), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: String(options.id), ...(apiToken !== null && { authorization: `Bearer ${apiToken}` }) },
        body: JSON.stringify(patch),
        signal: AbortSignal.timeout(PROPOSAL_TIMEOUT_MS),
      });
      if (!res.ok) {
        const body = apiErrorBodySchema.partial().safeParse(await res.json().catch(() => ({})));
        const answer = body.success ? body.data : {};
        throw new ApiError(answer.error ?? 'unavailable', answer.detail ?? `leader answered ${res.status}`);
      }
    },
    readBarrier: async () => {
      await raft.readBarrier(PROPOSAL_TIMEOUT_MS);
    },
  });
  await config.load();
  if (fileJson !== undefined) config.applyFile(fileJson, false);
  config.on('persistFailed', (err) => logger.error({ err: err.message }, 'could not save node settings; they stay live until a restart'));
  const applyServerLimits = (s: Readonly<NodeSettings>): void => {
    logger.level = s.logLevel;
    server.requestTimeout = s.requestTimeoutMs;
    // Headers must not get longer than the whole request (Node's own rule at creation).
    server.headersTimeout = s.requestTimeoutMs === 0 ? 60_000 : Math.min(60_000, s.requestTimeoutMs);
  };
  config.on('nodeSettings', applyServerLimits);
  applyServerLimits(config.nodeSettings());

  const diskGuard = new DiskGuard({ dataDir, nodeId: options.id, reserveBytes: () => config.nodeSettings().diskReserveBytes });
  const checkDisk = (incoming: number): Promise<void> => diskGuard.check(incoming);

  let uploadsInFlight = 0;
  let chunkStatsCache: { at: number; value: { count: number; bytes: number } } | null = null;
  const chunkStats = async () => {
    if (!chunkStatsCache || Date.now() - chunkStatsCache.at > 5_000) chunkStatsCache = { at: Date.now(), value: await chunks.stats() };
    return chunkStatsCache.value;
  };

  const writer = new FileWriter({
    fsm,
    runner,
    settings: () => fsm.clusterConfig(),
    storeBody: (body, { chunkSize, onChunk }) =>
      storeChunked(body, chunks, {
        chunkSize,
        onChunk: (c) => {
          background.noteIncomingChunk(c.hash);
          onChunk(c);
        },
      }),
    pusher: {
      push: (peer, hash, size) => transport.pushChunk(peer, hash, size, () => Readable.from(chunkStream(chunks, hash)), { timeoutMs: 15_000 }),
    },
    replicationTarget: () => {
      const { confState } = raft.status();
      return {
        followers: confState.voters.filter((id) => id !== options.id),
        learners: confState.learners.filter((id) => id !== options.id),
      };
    },
    checkDisk,
    uploads: {
      begin() {
        uploadsInFlight += 1;
        return () => {
          uploadsInFlight -= 1;
        };
      },
    },
  });
  const reader = new FileReader(
    {
      readVerified: async (hash) => {
        if (!(await chunks.has(hash))) return null;
        const data = await chunks.read(hash);
        return createHash('sha256').update(data).digest('hex') === hash ? data : null;
      },
    },
    repairer,
    (hash) => logger.warn({ hash }, 'chunk missing or corrupt on read; repairing from a peer'),
    (bytes) => traffic.recordDownload(bytes),
  );
  const locks = new RaftLockService(fsm, runner, () => fsm.clusterConfig());
  const traffic = new TrafficStats();
  const reporter = new StatusReporter({
    traffic,
    id: options.id,
    dataDir,
    raft: () => raft.status(),
    applied: () => raft.applied,
    fsm,
    httpUrlOf: (id) => (id === options.id ? httpUrl : transport.peerHttpUrl(id) ?? null),
    tickMs: () => TICK_MS,
    snapshotIndex: () => storage.memory.firstIndex() - 1,
    termOf: (index) => (index >= storage.memory.firstIndex() - 1 && index <= storage.memory.lastIndex() ? storage.memory.term(index) : null),
    lastSnapshotAt: () => lastSnapshotAt,
    chunkStats,
    walBytes: () => storage.storage.wal.stats().bytesWritten,
    peerConnected: (id) => transport.peerStatus()[id]?.connected ?? false,
  });
  const background = new BackgroundServices({
    dataDir,
    chunks,
    fsm,
    raft,
    runner,
    repairer,
    sync: chunkSync,
    isCaughtUp: (): boolean => services.isReady() && recovery.behindLeader() === 0,
    logger,
    timings: timingsFromEnv(process.env),
  });
  const recovery = new RecoveryStatusTracker({
    recoveryEnabled: () => fsm.clusterConfig().recoveryEnabled,
    isLeader: () => raft.isLeader,
    applied: () => raft.applied,
    sync: chunkSync,
    repairer,
    scrub: (): ScrubStatus => background.scrubStatus(),
    services: () => background.services(),
  });
  transport.onRpc('raft-info', () => ({ commit: raft.status().commit }));
  // A peer's body is input like any other: anything but a list of chunk names is refused.
  const chunkNames = (body: unknown): string[] | null => {
    const hashes = typeof body === 'object' && body !== null ? (body as { hashes?: unknown }).hashes : undefined;
    if (!Array.isArray(hashes) || hashes.length > 100_000 || !hashes.every((h) => typeof h === 'string' && isChunkHash(h))) return null;
    return hashes as string[];
  };
  // Kept for peers of the previous release, which ask this to build `completeOn`.
  transport.onRpc('holds-chunks', async (body) => {
    const hashes = chunkNames(body);
    return hashes !== null && (await missingOf(chunks, hashes)).length === 0;
  });
  transport.onRpc('missing-chunks', (body) => {
    const hashes = chunkNames(body);
    return hashes === null ? false : missingOf(chunks, hashes);
  });
  const leaderPoll = setInterval(() => {
    const leader = raft.leaderId;
    if (!leader || leader === options.id) return;
    transport
      .rpc(leader, 'raft-info', {}, { timeoutMs: 1_000 })
      .then((info) => recovery.noteLeaderCommit((info as { commit: number }).commit))
      .catch(() => undefined);
  }, 1_000);
  leaderPoll.unref();

  registerNodeGauges(metrics, { raft: () => raft.status(), applied: () => raft.applied, isLeader: () => raft.isLeader, fsm, uploadsInFlight: () => uploadsInFlight });

  const leaderView = () => {
    const status = raft.status();
    const leaderId = status.leader || null;
    return {
      isLeader: raft.isLeader,
      leaderId,
      leaderUrl: leaderId === null ? null : leaderId === options.id ? httpUrl : transport.peerHttpUrl(leaderId) ?? null,
      term: status.term,
    };
  };
  const blocked = new Set<number>();
  const services: NodeServices = {
    id: options.id,
    startedAt: Date.now(),
    status: () => reporter.status(),
    stats: () => reporter.stats(),
    recovery: () => recovery.status(),
    config: () => config.view(),
    updateConfig: (patch) => config.update(patch),
    leader: leaderView,
    isReady: () => {
      const status = raft.status();
      return status.leader !== 0 && raft.applied >= status.commit;
    },
    readBarrier: async () => {
      await raft.readBarrier(PROPOSAL_TIMEOUT_MS);
    },
    takeLeadership: async () => {
      if (!raft.isLeader) {
        raft.transferLeadership(options.id);
        const deadline = Date.now() + 2 * fsm.clusterConfig().electionTimeout + 2_000;
        while (!raft.isLeader && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (!raft.isLeader) throw new ApiError('unavailable', `node ${options.id} could not take leadership (is a leader known and this node caught up?)`);
      }
      return leaderView();
    },
    startScrub: () => background.startScrub(),
    files: {
      list: ({ prefix, cursor, limit, delimiter }) =>
        toFileList(fsm.list({ prefix, limit, delimiter, ...(cursor !== null ? { after: cursor } : {}) }), (name) => liveLock(fsm, name)),
      info: (name) => {
        const record = fsm.get(name);
        if (!record) throw new ApiError('not_found', `file "${name}" does not exist`);
        return toFileInfo(record, liveLock(fsm, name));
      },
      replicas: async (info) => {
        const hashes = [...new Set(info.chunks.map((c) => c.hash))];
        const { confState } = raft.status();
        const members = [...new Set([...confState.voters, ...confState.learners])].sort((a, b) => a - b);
        return Promise.all(
          members.map(async (id) => {
            const lacking = id === options.id ? await missingOf(chunks, hashes) : await askMissing(transport, id, hashes);
            if (lacking === null) return { node: id, missing: null };
            const absent = new Set(lacking);
            return { node: id, missing: info.chunks.flatMap((c, i) => (absent.has(c.hash) ? [i] : [])) };
          }),
        );
      },
      write: async (request) => {
        const info = await writer.write(request);
        traffic.recordUpload(info.size);
        return info;
      },
      remove: (name, lockToken) => writer.remove(name, lockToken),
      read: (info, range) => reader.read(info, range),
    },
    locks,
    membership,
    faults: options.faultInjection
      ? {
          setBlockedPeers(ids) {
            blocked.clear();
            for (const id of ids) blocked.add(id);
            transport.setBlockedPeers([...blocked]);
            logger.warn({ blockedPeers: [...blocked] }, 'fault injection: peer links changed');
          },
          blockedPeers: () => [...blocked],
        }
      : null,
    limits: () => {
      const { bodyIdleTimeoutMs, openHealthRoutes, maxConcurrentUploads } = config.nodeSettings();
      return { bodyIdleTimeoutMs, openHealthRoutes, maxConcurrentUploads };
    },
    // The cluster secret also opens client routes: membership changes carry it in the same header.
    isAuthorizedClient: (headers) => apiToken === null || isAuthorized(headers, apiToken) || (secret !== '' && isAuthorized(headers, secret)),
    hasClusterSecret: (headers, strict) => (secret !== '' || !strict) && isAuthorized(headers, secret),
    metrics,
    traffic,
  };

  const app = createApp(services, logger);
  server.off('request', starting);
  server.on('request', app);

  await transport.start().catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE' ? new StartupError(`the peer port ${self.peer.host || '*'}:${self.peer.port} is already in use (another node running?)`) : err;
  });
  raft.start();
  void chunkSync.rescan();
  background.start();
  raft.on('leaderChange', ({ leader, role, term }) => {
    logger.info({ event: 'leaderChange', leader, role, term }, leader ? `leader is node ${leader} (term ${term})` : 'no leader');
    if (role === 'leader') void config.seedClusterFromFile().catch((err: Error) => logger.warn({ err: err.message }, 'could not apply the config file\'s cluster settings'));
  });
  // A node whose storage failed must not linger looking alive: exit non-zero, so a supervisor
  // (the manager, systemd) sees the failure and restarts it into a clean replay of its WAL.
  raft.on('fatal', () => {
    process.exitCode = 1;
    void stop('storage failure').finally(() => process.exit(1));
  });

  const configWatcher = options.configFile ? watchConfigFile(options.configFile, config, logger) : null;

  const peerAddress = `${self.peer.host || '127.0.0.1'}:${transport.address().port}`;
  logger.info({ event: 'listening', httpUrl, peerAddress, dataDir }, `node ${options.id} listening on ${httpUrl}`);
  tellParent({ type: 'listening', httpUrl, peerAddress });

  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      clearInterval(leaderPoll);
      await configWatcher?.close();
      server.close();
      const drained = new Promise<void>((resolve) => server.once('close', () => resolve()));
      const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
      await Promise.race([drained, grace]);
      server.closeAllConnections();
      chunkSync.stop();
      await background.stop();
      await raft.stop();
      await transport.close();
      await storage.storage.close();
      logger.info('stopped');
      logger.flush();
    })();
    return stopping;
  };
  return { httpUrl, peerAddress, stop };
}

/** Raft counts time in ticks of TICK_MS; the settings are in milliseconds. */
function timingTicks(settings: { heartbeatInterval: number; electionTimeout: number }): { electionTicks: number; heartbeatTicks: number } {
  const heartbeatTicks = Math.max(1, Math.round(settings.heartbeatInterval / TICK_MS));
  return { heartbeatTicks, electionTicks: Math.max(heartbeatTicks * 2, Math.round(settings.electionTimeout / TICK_MS)) };
}

/**
 * The ready handshake for a supervising parent: over the IPC channel of a child_process, or over
 * `process.parentPort` when Electron runs the node as a utilityProcess (no 'electron' import needed).
 */
function tellParent(message: { type: 'listening'; httpUrl: string; peerAddress: string }): void {
  if (process.send) {
    process.send(message);
    return;
  }
  const parentPort = (process as { parentPort?: { postMessage(m: unknown): void } }).parentPort;
  parentPort?.postMessage(message);
}

async function missingOf(chunks: ChunkStore, hashes: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const hash of hashes) if (!(await chunks.has(hash))) missing.push(hash);
  return missing;
}

/** The chunks among `hashes` peer `id` lacks; null when it does not answer (down, cut off, older). */
async function askMissing(transport: PeerTransport, id: number, hashes: readonly string[]): Promise<string[] | null> {
  const answer = await transport.rpc(id, 'missing-chunks', { hashes }, { timeoutMs: 1_000 }).catch(() => null);
  return Array.isArray(answer) && answer.every((h) => typeof h === 'string') ? answer : null;
}

function liveLock(fsm: StateMachine, name: string) {
  const lock = fsm.lockOf(name);
  return lock && lock.expiresAt > Date.now() ? lock : undefined;
}

async function* chunkStream(chunks: ChunkStore, hash: string): AsyncGenerator<Buffer> {
  for await (const piece of await chunks.get(hash)) yield piece as Buffer;
}
