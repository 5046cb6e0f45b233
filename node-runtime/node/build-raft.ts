// The Raft part of a node: the pure core (RawNode) on the storage opened at start, and the driver
// that persists, sends and applies its Readies. Timing settings (heartbeat, election timeout)
// apply live, on every node at the same entry.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApplyResult, StateMachine } from '../fsm';
import { RawNode } from '../raft/rawnode';
import type { Transport } from '../transport';
import type { OpenedStorage } from './open-storage';
import { RaftDriver } from './raft-driver';
import { COMMIT_IDLE_MS, TICK_MS, timingTicks } from './raft-timing';
import { ReplicatedState } from './replicated-state';

/**
 * The in-memory log's bound in bytes (see RaftDriverOptions.logBytes): with 64 KiB small files
 * inside their entries, 10,000 entries could hold 640 MiB. A snapshot after 32 MiB of applied
 * entries, at most 4 MiB of them kept behind it for followers that lag a little. A smaller window
 * (8 / 2 MiB) held less in memory and made restarts shorter, but a follower paused for 30 s under
 * load then needed a snapshot, and sending one (read back, its contents' bytes added) held the
 * leader's event loop long enough to cost its term (steady-leader.test.ts). Snapshots now stream
 * (storage/README.md, snapshot-stall.test.ts); a smaller window has not been measured since.
 */
const LOG_BYTES = { snapshotAfter: 32 * 1024 * 1024, marginBytes: 4 * 1024 * 1024 } as const;
/**
 * A snapshot once a node applied nothing for a second with 1,000 entries or more since the last
 * (RaftDriverOptions.idleSnapshot): a restart after a burst then replays little. Under a steady
 * stream of writes snapshots come by count and bytes alone, as before.
 */
const IDLE_SNAPSHOT = { afterMs: 1_000, minEntries: 1_000 } as const;
/** Entry bytes in flight to one follower (see maxInflightBytes below). */
const MAX_INFLIGHT_BYTES = 8 * 1024 * 1024;

export interface RaftPart {
  readonly driver: RaftDriver<ApplyResult>;
  /** What applied entries mean to the rest of the node. */
  readonly state: ReplicatedState;
}

export interface RaftPartOptions {
  readonly id: number;
  readonly storage: OpenedStorage;
  /** Already restored from storage.snapshot, if there is one. */
  readonly fsm: StateMachine;
  readonly transport: Pick<Transport, 'send' | 'snapshotUnderway'>;
  readonly logger: Logger;
}

export function buildRaft({ id, storage, fsm, transport, logger }: RaftPartOptions): RaftPart {
  const applied = storage.snapshot?.index ?? 0;
  let timing = timingTicks(fsm.clusterConfig());
  const rawNode = new RawNode({
    id,
    ...timing,
    storage: storage.memory,
    random: (n) => randomInt(n),
    applied,
    preVote: true,
    checkQuorum: true,
    // Writes reach the leader over HTTP (with their chunks); the core must not forward them.
    disableProposalForwarding: true,
    // Followers learn a new commit with the next append, or at the next tick (issue #11).
    lazyCommitBroadcast: true,
    // Entries a lagging follower needs are read back from the WAL on the event loop (all but the
    // newest 4 MiB of applied entries' data leave memory): without a byte bound, a follower back
    // from a restart was sent the whole backlog (up to the 32 MiB log window) in one turn, 150+ ms
    // of reading with nothing else served. 8 MiB keeps a turn's read near 40 ms and is far above
    // what steady replication has in flight.
    maxInflightBytes: MAX_INFLIGHT_BYTES,
  });
  const state = new ReplicatedState(fsm);
  state.on('clusterSettings', (settings) => {
    const next = timingTicks(settings);
    if (next.electionTicks === timing.electionTicks && next.heartbeatTicks === timing.heartbeatTicks) return;
    rawNode.setTimeouts(next.electionTicks, next.heartbeatTicks);
    timing = next;
  });
  const driver = new RaftDriver<ApplyResult>({
    id,
    rawNode,
    memory: storage.memory,
    durable: storage.durable,
    stateMachine: state,
    // A Ready's messages, all of them in this one call: they leave at once, one frame per peer,
    // not after the rest of the Ready (a follower's apply, the leader's answers) has run (#11).
    send: (messages) => transport.send(messages, { now: true }),
    snapshotUnderway: (to) => transport.snapshotUnderway(to),
    tickMs: TICK_MS,
    snapshotThreshold: () => fsm.clusterConfig().snapshotThreshold,
    // Keep some entries behind each snapshot so a briefly lagging follower needs no snapshot.
    compactionMargin: () => Math.min(1_000, Math.floor(fsm.clusterConfig().snapshotThreshold / 2)),
    logBytes: () => LOG_BYTES,
    idleSnapshot: IDLE_SNAPSHOT,
    commitIdleMs: COMMIT_IDLE_MS,
    applied,
    logger,
  });
  return { driver, state };
}
