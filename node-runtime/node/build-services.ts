// The node's services, built in dependency order on the parts below them (storage, the state
// machine, Raft, the transport). Each group is one function; what a service does lives in
// services/, and only the connections are made here.
import { COMMAND_FORMATS, FIRST_INLINE_FORMAT, type StateMachine } from '../fsm';
import type { Clock } from '../ports';
import { BackgroundServices, timingsFromEnv } from '../services/background-services';
import { BackupService } from '../services/backup-service';
import { ChunkPins } from '../services/chunk-pins';
import { ChunkReceiver, DEFAULT_RECEIVE_BUFFERS } from '../services/chunk-receiver';
import { ChunkRepairer, collect } from '../services/chunk-repairer';
import { ChunkSync } from '../services/chunk-sync';
import { CommandFormatGate } from '../services/command-format-gate';
import { ProposalRelay } from '../services/proposal-relay';
import { CommandRunner } from '../services/command-runner';
import { ConfigService } from '../services/config-service';
import { DiskGuard } from '../services/disk-guard';
import { FileReader } from '../services/file-reader';
import { ReplicatedFileService } from '../services/file-service';
import { FileWriter } from '../services/file-writer';
import { LeaderClient } from '../services/leader-client';
import { RaftLockService } from '../services/lock-service';
import { RaftMembershipService, parsePeerAddress } from '../services/membership-service';
import { PeerChunks } from '../services/peer-chunks';
import { RecoveryStatusTracker } from '../services/recovery-status';
import { StatusReporter } from '../services/status-reporter';
import { NodeEventFeed } from '../services/event-feed';
import { TrafficStats } from '../services/traffic-stats';
import { storeChunked } from '../storage/chunker';
import type { Transport } from '../transport';
import { nodeApiRequester } from '../transport/tls';
import type { RaftPart } from './build-raft';
import { RoundTripWatch, TICK_MS } from './raft-timing';
import { fullCollector, youngGenerationCollector } from './heap-policy';
import type { NodeHttpServer } from './http-server';
import type { OpenedStorage } from './open-storage';
import type { StartupInputs } from './startup-inputs';

/** How long a proposal, a read barrier or a forwarded setting may take. */
export const PROPOSAL_TIMEOUT_MS = 5_000;
/** Entries a node may still have to apply and serve a backup (a follower under writes is always a few behind). */
const BACKUP_MAX_LAG = 1_000;
/** A push began within this long: peers are still pushing this node chunks (ChunkSync's pushesArriving). */
const PUSHES_ARRIVING_MS = 1_000;
/** Catch-up's fetches hold at most this many bytes of chunks at once: one default (4 MiB) chunk (ChunkSync.pump says why). */
const CATCH_UP_BYTES_IN_FLIGHT = 4 * 1024 * 1024;
/** Chunks (4 MiB each by default) an upload stores before one full collection follows it: 256 MiB and more. */
const FULL_COLLECTION_AFTER_CHUNKS = 64;

/** What every group of services is built on. */
export interface ServiceContext {
  readonly inputs: StartupInputs;
  readonly storage: OpenedStorage;
  readonly fsm: StateMachine;
  readonly raft: RaftPart;
  readonly transport: Transport;
  readonly http: NodeHttpServer;
  readonly clock: Clock;
}

export type NodeParts = Awaited<ReturnType<typeof buildServices>>;

export async function buildServices(ctx: ServiceContext) {
  const consensus = await buildConsensusServices(ctx);
  const pins = new ChunkPins();
  const chunks = buildChunkServices(ctx, consensus, pins);
  const files = buildFileServices(ctx, consensus, chunks);
  const { inputs, storage, fsm, raft, transport, clock } = ctx;
  const backup = new BackupService({
    nodeId: inputs.options.id,
    dataDir: inputs.dataDir,
    fsm,
    files: files.files,
    term: () => raft.driver.status().term,
    pins,
    isCurrent: () => {
      // A leader is known and this node is at most a moment behind it: the archive's state is
      // committed either way, but one from a cut-off or catching-up node would be old news.
      const behind = consensus.leader.behindLeader();
      return raft.driver.status().leader !== 0 && behind !== null && behind <= BACKUP_MAX_LAG;
    },
    onFailed: (err) => inputs.logger.error({ err: err.message }, 'could not record the backup as lastBackup'),
    clock,
  });
  await backup.load();
  const reporter = new StatusReporter({
    traffic: consensus.traffic,
    id: inputs.options.id,
    dataDir: inputs.dataDir,
    raft: () => raft.driver.status(),
    applied: () => raft.driver.applied,
    fsm,
    httpUrlOf: (id) => (id === inputs.options.id ? ctx.http.url : transport.peerHttpUrl(id) ?? null),
    tickMs: () => TICK_MS,
    snapshotIndex: () => storage.memory.firstIndex() - 1,
    termOf: (index) => (index >= storage.memory.firstIndex() - 1 && index <= storage.memory.lastIndex() ? storage.memory.term(index) : null),
    lastBackupAt: () => backup.lastSucceededAt(),
    chunkStats: () => storage.storage.chunks.stats(),
    walBytes: () => storage.storage.wal.stats().bytesWritten,
    peerConnected: (id) => transport.peerStatus()[id]?.connected ?? false,
    commandFormats: () => consensus.formats.status(),
    peerCommandFormats: (id) => transport.peerCommandFormats().get(id) ?? null,
    clock,
  });
  const events = new NodeEventFeed({
    id: inputs.options.id,
    driver: raft.driver,
    snapshotIndex: () => storage.memory.firstIndex() - 1,
    recovery: () => chunks.recovery.status(),
    clock,
  });
  return { ...consensus, ...chunks, ...files, reporter, backup, events };
}

/** Proposing commands, membership, the leader, and the configuration (which may forward to the leader). */
async function buildConsensusServices({ inputs, fsm, raft, transport, http, clock }: ServiceContext) {
  const { options, logger, dataDir } = inputs;
  const driver = raft.driver;
  // Traffic counts what clients moved through this node, and how its proposals ended.
  const traffic = new TrafficStats();
  const formats = new CommandFormatGate({
    selfId: options.id,
    own: COMMAND_FORMATS,
    members: () => {
      const { confState } = driver.basicStatus();
      return [...new Set([...confState.voters, ...confState.learners, ...confState.votersOutgoing])].filter((id) => id !== options.id);
    },
    advertised: () => transport.peerCommandFormats(),
    log: logger,
    clock,
  });
  const relay = new ProposalRelay(driver, fsm, clock, {
    linkLosses: (peerId) => transport.lossesTo(peerId),
    onProposedAgain: (writes, leader) =>
      logger.info({ writes, leader: leader === -1 ? options.id : leader }, leader === 0 ? 'the leader changed: relayed writes wait for the next one' : 'the leader changed: relayed writes proposed again under their request ids'),
  });
  const runner = new CommandRunner(driver, () => PROPOSAL_TIMEOUT_MS, () => formats.format(), (committed) => traffic.recordProposal(committed), relay);
  const membership = new RaftMembershipService({
    selfId: options.id,
    dataDir,
    driver,
    addPeer: (id, address) => transport.addPeer(id, address),
    admit: (id) => formats.admit(id),
    removePeer: (id) => transport.removePeer(id),
    proposalTimeoutMs: () => PROPOSAL_TIMEOUT_MS,
    onRemoved: () => logger.warn('this node was removed from the cluster'),
    onPersistFailed: (err) => logger.error({ err: err.message }, 'could not save the member address book (members.json)'),
    clock,
  });
  driver.on('confChanged', ({ change }) => membership.applied(change));
  for (const [id, address] of await membership.load()) {
    if (id !== options.id && !options.cluster.some((m) => m.id === id)) transport.addPeer(id, parsePeerAddress(address.peerAddress));
  }
  const roundTrips = new RoundTripWatch((details, message) => logger.warn(details, message));
  const requestNode = nodeApiRequester(inputs.tls);
  const leader = new LeaderClient({
    selfId: options.id,
    selfHttpUrl: http.url,
    raft: driver,
    transport,
    apiToken: inputs.apiToken,
    requestNode,
    electionTimeoutMs: () => fsm.clusterConfig().electionTimeout,
    requestTimeoutMs: PROPOSAL_TIMEOUT_MS,
    clock,
    onLeaderRoundTrip: (peer, ms) => roundTrips.note(peer, ms, fsm.clusterConfig(), clock.now()),
  });
  const config = new ConfigService({
    dataDir,
    fsm,
    runner,
    env: inputs.envSettings,
    flags: inputs.flagSettings,
    isLeader: () => driver.isLeader,
    forwardToLeader: (patch, waitMs) => leader.forwardConfig(patch, waitMs),
    readBarrier: async () => {
      await driver.readBarrier(PROPOSAL_TIMEOUT_MS);
    },
    clock,
  });
  await config.load();
  if (inputs.fileJson !== undefined) config.applyFile(inputs.fileJson, false);
  config.on('persistFailed', (err) => logger.error({ err: err.message }, 'could not save node settings; they stay live until a restart'));
  config.on('nodeSettings', (settings) => {
    logger.level = settings.logLevel;
    http.setLimits(settings);
  });
  logger.level = config.nodeSettings().logLevel;
  http.setLimits(config.nodeSettings());
  return { runner, relay, formats, traffic, membership, leader, config, requestNode };
}

type ConsensusServices = Awaited<ReturnType<typeof buildConsensusServices>>;

/** Chunks: repair from peers, catch-up, the disk reserve, background passes, recovery status, peers' chunk traffic. */
function buildChunkServices({ inputs, storage, fsm, raft, transport, clock }: ServiceContext, { runner, config, leader }: ConsensusServices, pins: ChunkPins) {
  const { options, logger, dataDir } = inputs;
  const driver = raft.driver;
  const chunks = storage.storage.chunks;
  const members = (): number[] => {
    const { confState } = driver.status();
    return [...new Set([...confState.voters, ...confState.learners])];
  };
  const fromPeers = {
    // The leader first: it holds every committed file's chunks unless it lost them itself.
    peers: () => members().filter((id) => id !== options.id).sort((a, b) => (a === driver.leaderId ? -1 : b === driver.leaderId ? 1 : a - b)),
    fetch: (peer: number, hash: string) => transport.fetchChunk(peer, hash, { timeoutMs: 10_000 }),
  };
  // One young-generation collection per chunk a node takes in or sends out (heap-policy.ts says why).
  const collectGarbage = youngGenerationCollector();
  // Pushed and fetched chunks alike: a reused buffer each, then a scavenge (services/chunk-receiver.ts says why).
  const receiver = new ChunkReceiver(chunks, { buffers: DEFAULT_RECEIVE_BUFFERS, collectGarbage });
  const repairer = new ChunkRepairer({
    ...fromPeers,
    store: async (hash, body, size) => {
      await receiver.store(hash, body, size);
    },
    storeVerifies: true,
  });
  // Small files' contents: peers serve them like chunks (PeerChunks.open); the good copy goes back into the pack.
  const contents = storage.storage.contents;
  const inlineRepairer = new ChunkRepairer({ ...fromPeers, store: async (sha256, body) => contents.replace(sha256, await collect(body)) });
  // When a peer last began pushing this node a chunk: catch-up slows down beside pushes (ChunkSync.pump).
  let lastPushAt = Number.NEGATIVE_INFINITY;
  const sync = new ChunkSync({
    fsm,
    repairer,
    has: (hash) => chunks.has(hash),
    enabled: () => fsm.clusterConfig().recoveryEnabled,
    concurrency: 4,
    maxBytesInFlight: CATCH_UP_BYTES_IN_FLIGHT,
    pushesArriving: () => clock.now() - lastPushAt < PUSHES_ARRIVING_MS,
    retryMs: 1_000,
    onError: (hash, err) => logger.debug({ hash, err: err.message }, 'chunk catch-up failed; will retry'),
    clock,
  });
  raft.state.on('filePut', (fileChunks) => sync.want(fileChunks));
  raft.state.on('restored', () => void sync.rescan());
  const diskGuard = new DiskGuard({ dataDir, nodeId: options.id, reserveBytes: () => config.nodeSettings().diskReserveBytes, clock });
  const background = new BackgroundServices({
    dataDir,
    chunks,
    fsm,
    raft: driver,
    runner,
    repairer,
    sync,
    isCaughtUp: () => leader.isReady() && leader.behindLeader() === 0,
    pinned: (hash) => pins.has(hash),
    inline: { list: () => contents.entries(), read: (sha256) => contents.get(sha256), repair: async (sha256, size) => void (await inlineRepairer.repair(sha256, size)) },
    logger,
    timings: timingsFromEnv(process.env),
    clock,
  });
  const recovery = new RecoveryStatusTracker({
    recoveryEnabled: () => fsm.clusterConfig().recoveryEnabled,
    behindLeader: () => leader.behindLeader(),
    sync,
    repairer,
    scrub: () => background.scrubStatus(),
    services: () => background.services(),
    clock,
  });
  // A snapshot arrives whole in one message: "in progress" spans saving and installing it.
  raft.driver.on('snapshotReceived', ({ bytes }) => recovery.snapshotStarted(bytes));
  raft.driver.on('snapshotRestored', ({ bytes }) => recovery.snapshotFinished(bytes));
  const collectAllGarbage = fullCollector();
  const peerChunks = new PeerChunks({
    selfId: options.id,
    chunks,
    transport,
    members,
    checkDisk: (incoming) => diskGuard.check(incoming),
    noteIncoming: (hash) => {
      lastPushAt = clock.now();
      background.noteIncomingChunk(hash);
    },
    inlineContent: (sha256) => fsm.inlineContent(sha256),
    receiver,
    collectGarbage,
  });
  return { repairer, inlineRepairer, sync, diskGuard, background, recovery, peerChunks, collectGarbage, collectAllGarbage };
}

type ChunkServices = ReturnType<typeof buildChunkServices>;

/** Files and locks: the write path (leader), the read path (any node), and what clients moved. */
function buildFileServices({ inputs, storage, fsm, raft, clock }: ServiceContext, { runner, formats, traffic }: ConsensusServices, chunkServices: ChunkServices) {
  const { options, logger } = inputs;
  const { diskGuard, background, repairer, inlineRepairer, peerChunks, collectGarbage, collectAllGarbage } = chunkServices;
  const chunks = storage.storage.chunks;
  let uploadsInFlight = 0;
  const writer = new FileWriter({
    fsm,
    runner,
    settings: () => fsm.clusterConfig(),
    storeBody: async (body, { chunkSize, onChunk }) => {
      const stored = await storeChunked(body, chunks, {
        chunkSize,
        collectGarbage,
        onChunk: (c) => {
          background.noteIncomingChunk(c.ref.hash);
          return onChunk(c);
        },
      });
      // A long upload's per-chunk scavenges left its promoted garbage in the old generation (heap-policy.ts, fullCollector).
      if (stored.chunks.length >= FULL_COLLECTION_AFTER_CHUNKS) collectAllGarbage();
      return stored;
    },
    pusher: peerChunks,
    replicationTarget: () => {
      const { confState } = raft.driver.status();
      return {
        followers: confState.voters.filter((id) => id !== options.id),
        learners: confState.learners.filter((id) => id !== options.id),
      };
    },
    checkDisk: (incoming) => diskGuard.check(incoming),
    uploads: {
      begin() {
        uploadsInFlight += 1;
        return () => {
          uploadsInFlight -= 1;
        };
      },
    },
    clock,
    inlineBudgetBytes: inlineBudgetFromEnv(process.env),
    inlineWritable: () => formats.status().writes >= FIRST_INLINE_FORMAT,
    relayWritable: relaysSmallWrites(process.env) ? () => formats.status().writes === COMMAND_FORMATS.max : () => false,
  });
  const reader = new FileReader(
    chunks,
    (sha256) => fsm.inlineContent(sha256),
    repairer,
    inlineRepairer,
    (hash) => logger.warn({ hash }, 'chunk missing or corrupt on read; repairing from a peer'),
    (bytes) => traffic.recordDownload(bytes),
  );
  const files = new ReplicatedFileService({ fsm, writer, reader, peerChunks, traffic, clock });
  const locks = new RaftLockService(fsm, runner, () => fsm.clusterConfig(), clock);
  return { files, locks, uploadsInFlight: () => uploadsInFlight };
}

/**
 * DFS_RELAY_SMALL_WRITES=0: a follower forwards small writes to the leader over HTTP, as before
 * the relay through Raft (services/proposal-relay.ts); for comparisons and as an escape hatch.
 */
function relaysSmallWrites(env: NodeJS.ProcessEnv): boolean {
  return env.DFS_RELAY_SMALL_WRITES !== '0';
}

/** DFS_INLINE_BUDGET_BYTES bounds the bytes of small files kept inline (services/file-writer.ts; unbounded without it), for operators and tests. */
function inlineBudgetFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.DFS_INLINE_BUDGET_BYTES;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`DFS_INLINE_BUDGET_BYTES must be a whole number of bytes (got "${raw}")`);
  return value;
}
