// Starts one node, top to bottom in dependency order: what it reads at start, its storage and
// state machine, the HTTP port, the peer transport, Raft, the services, the API; then the
// transport's inbound side, and Raft starts. Stopping takes them down in the reverse order, on
// SIGTERM/SIGINT or when the parent process goes away.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { createApp } from '../api/app';
import { COMMAND_FORMATS, StateMachine } from '../fsm';
import { registerNodeGauges } from '../services/node-gauges';
import { diskFree } from '../storage/disk-free';
import { PeerTransport, type PeerAddress, type Transport } from '../transport';
import { createServedPort } from '../transport/tls';
import { apiServices } from './api-services';
import { buildRaft, type RaftPart } from './build-raft';
import { buildServices, type NodeParts } from './build-services';
import type { NodeOptions } from './cli-options';
import { StartupError, watchConfigFile } from './config-file';
import { applyRequestLimits, listenHttp, type NodeHttpServer } from './http-server';
import { openNodeStorage, type OpenedStorage } from './open-storage';
import { processClock } from './raft-driver';
import { collectRestoreGarbage } from './restore-collection';
import { timingDefaultsFor } from './raft-timing';
import { packSnapshotContents } from './snapshot-contents';
import { readStartupInputs, type StartupInputs } from './startup-inputs';
import { startS3 } from '../s3';
import type { NodeEventMessage } from '../common/node-events';

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

export async function startNode(cli: NodeOptions): Promise<RunningNode> {
  const clock = processClock;
  const inputs = await readStartupInputs(cli, process.env);
  const { options, logger, dataDir } = inputs;
  const storage = await openNodeStorage({
    dataDir,
    nodeId: options.id,
    clusterId: process.env.DFS_CLUSTER_ID ?? 'dfs',
    founders: options.cluster.map((m) => m.id),
    join: options.join,
    logger,
  });
  const fsm = new StateMachine(timingDefaultsFor(options.cluster), storage.storage.contents);
  // The snapshot's bytes are held only inside restoreFrom, so the collection after it frees them too.
  if (restoreFrom(storage, fsm)) logger.info({ event: 'restoreCollected', ms: Math.round(collectRestoreGarbage()) }, 'collected the restore\'s garbage before joining the cluster');
  const removedTemp = await storage.storage.chunks.cleanupTemp();
  if (removedTemp > 0) logger.info({ removedTemp }, 'removed temp files left by an interrupted write');

  const http = await listenHttp(options, inputs.tls);
  const transport = createTransport(inputs, http.url);
  const raft = buildRaft({ id: options.id, storage, fsm, transport, logger });
  const parts = await buildServices({ inputs, storage, fsm, raft, transport, http, clock });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const { driver } = raft;
  registerNodeGauges(metrics, {
    raft: () => driver.status(),
    applied: () => driver.applied,
    isLeader: () => driver.isLeader,
    fsm,
    uploadsInFlight: parts.uploadsInFlight,
    writesRelayed: () => parts.relay.relayed,
    recovery: () => parts.recovery.status(),
    diskFree: () => diskFree(dataDir),
    diskReserveBytes: () => parts.config.nodeSettings().diskReserveBytes,
  });
  const services = apiServices({ inputs, parts, raft, transport, metrics, startedAt: clock.now() });
  const s3 = options.s3
    ? await startS3({
      services,
      listen: options.s3,
      insecure: options.insecure,
      advertise: options.advertise,
      // The S3 port shares the node's TLS, and reaches the leader's S3 port as forwarding does.
      serve: (serverOptions, onRequest) => createServedPort(inputs.tls, serverOptions, onRequest),
      requestNode: parts.requestNode,
      peers: transport,
      logger,
      env: process.env,
    })
    : null;
  if (s3) {
    // The S3 port keeps the node's request limits as the API's port does, live.
    applyRequestLimits(s3.server, parts.config.nodeSettings());
    parts.config.on('nodeSettings', (settings) => applyRequestLimits(s3.server, settings));
  }
  const s3Url = s3?.url ?? null;
  http.serve(createApp({ ...services, status: () => ({ ...services.status(), s3Url }) }, logger));

  parts.peerChunks.serve();
  parts.leader.start();
  parts.events.start();
  // A supervising manager hears every event over the IPC channel, from the first role on.
  if (hasParent()) parts.events.subscribe((event) => tellParent({ type: 'nodeEvent', event }));
  await startTransport(transport, raft, parts, storage, inputs);
  driver.start();
  // The only voter has nobody to hear from: waiting out an election timeout would only delay
  // /readyz (issue #18: an empty node is ready within a second). Only with nothing committed left
  // to apply, though: a restarted node would otherwise lead (and serve reads) before its state
  // caught up with its own log.
  const { confState, commit } = driver.status();
  if (confState.voters.length === 1 && confState.voters[0] === options.id && driver.applied >= commit) driver.campaign();
  void parts.sync.rescan();
  parts.background.start();
  const configWatcher = options.configFile ? watchConfigFile(options.configFile, parts.config, logger) : null;
  const stop = stopper({ logger, http, transport, raft, parts, storage, closeWatcher: async () => configWatcher?.close(), closeS3: async () => s3?.close() });
  watchRaft(raft, parts, logger, stop);

  const self = selfMember(options);
  const peerAddress = `${self.peer.host || '127.0.0.1'}:${transport.address().port}`;
  logger.info({ event: 'listening', httpUrl: http.url, peerAddress, dataDir, heapGrowingPercent: options.heapGrowingPercent, fixedYoungGeneration: options.fixedYoungGeneration }, `node ${options.id} listening on ${http.url}`);
  tellParent({ type: 'listening', httpUrl: http.url, peerAddress });
  return { httpUrl: http.url, peerAddress, stop };
}

function selfMember(options: NodeOptions): NodeOptions['cluster'][number] {
  const self = options.cluster.find((m) => m.id === options.id);
  if (!self) throw new Error(`node ${options.id} is not in the --cluster list`);
  return self;
}

/** Restores the state machine from the snapshot storage opened with, if any; whether there was one. */
function restoreFrom(storage: OpenedStorage, fsm: StateMachine): boolean {
  const snapshotData = storage.takeSnapshotData();
  if (snapshotData === undefined) return false;
  fsm.restore(snapshotData);
  return true;
}

/** The peer transport, not yet listening: its inbound side is connected once everything it feeds exists. */
function createTransport({ options, secret, devSecret, logger, tls }: StartupInputs, httpUrl: string): Transport {
  const self = selfMember(options);
  return new PeerTransport({
    selfId: options.id,
    // The dev secret is for one machine: its peer port stays on loopback, as without any secret.
    listen: devSecret && self.peer.host === '' ? { ...self.peer, host: '127.0.0.1' } : self.peer,
    peers: new Map<number, PeerAddress>(options.cluster.filter((m) => m.id !== options.id).map((m) => [m.id, m.peer])),
    secret,
    selfHttpUrl: httpUrl,
    ...(tls && { tls }),
    commandFormats: COMMAND_FORMATS,
    log: logger,
  });
}

async function startTransport(transport: Transport, raft: RaftPart, parts: NodeParts, storage: OpenedStorage, { options }: StartupInputs): Promise<void> {
  const { driver } = raft;
  const { peerChunks } = parts;
  await transport
    .start({
      onMessage: (m) => driver.step(m),
      onUnreachable: (id) => driver.reportUnreachable(id),
      onConnectionClosed: (id) => driver.reportConnectionClosed(id),
      onSnapshotFailed: (id) => driver.reportSnapshot(id, false),
      storeChunk: (hash, body, size) => peerChunks.store(hash, body, size),
      openChunk: (hash) => peerChunks.open(hash),
      snapshotContents: packSnapshotContents(storage.storage.contents),
    })
    .catch((err: Error) => {
      const self = selfMember(options);
      // The transport wraps the listen error with its address; the code is on its cause.
      const code = (err as NodeJS.ErrnoException).code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
      throw code === 'EADDRINUSE' ? new StartupError(`the peer port ${self.peer.host || '*'}:${self.peer.port} is already in use (another node running?)`) : err;
    });
}

function watchRaft({ driver }: RaftPart, { config }: NodeParts, logger: Logger, stop: (reason: string) => Promise<void>): void {
  driver.on('leaderChange', ({ leader, role, term }) => {
    logger.info({ event: 'leaderChange', leader, role, term }, leader ? `leader is node ${leader} (term ${term})` : 'no leader');
    if (role === 'leader') void config.seedClusterFromFile().catch((err: Error) => logger.warn({ err: err.message }, 'could not apply the config file\'s cluster settings'));
  });
  // A node whose storage failed must not linger looking alive: exit non-zero, so a supervisor
  // (the manager, systemd) sees the failure and restarts it into a clean replay of its WAL.
  driver.on('fatal', () => {
    process.exitCode = 1;
    void stop('storage failure').finally(() => process.exit(1));
  });
}

interface StopTargets {
  readonly logger: Logger;
  readonly http: NodeHttpServer;
  readonly transport: Transport;
  readonly raft: RaftPart;
  readonly parts: NodeParts;
  readonly storage: OpenedStorage;
  readonly closeWatcher: () => Promise<void>;
  readonly closeS3: () => Promise<void>;
}

/** Takes the node down in the reverse order of start; calling it again returns the same promise. */
function stopper({ logger, http, transport, raft, parts, storage, closeWatcher, closeS3 }: StopTargets): (reason: string) => Promise<void> {
  let stopping: Promise<void> | null = null;
  return (reason) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      parts.leader.stop();
      parts.events.stop();
      await closeWatcher();
      await http.close(SHUTDOWN_GRACE_MS);
      await closeS3();
      parts.sync.stop();
      await parts.background.stop();
      await raft.driver.stop();
      await transport.close();
      await storage.storage.close();
      logger.info('stopped');
      logger.flush();
    })();
    return stopping;
  };
}

type ParentPort = { postMessage(m: unknown): void };

function hasParent(): boolean {
  return process.send !== undefined || (process as { parentPort?: ParentPort }).parentPort !== undefined;
}

/**
 * Messages for a supervising parent (the ready handshake, then the node's events): over the IPC
 * channel of a child_process, or over `process.parentPort` when Electron runs the node as a
 * utilityProcess (no 'electron' import needed).
 */
function tellParent(message: { type: 'listening'; httpUrl: string; peerAddress: string } | NodeEventMessage): void {
  if (process.send) {
    // A parent gone away is handled by 'disconnect'; a send racing it must not throw.
    if (process.connected) process.send(message);
    return;
  }
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  parentPort?.postMessage(message);
}
