// The manager's live picture of the cluster: polls every node (~every 500 ms, with timeouts),
// merges what each reports with what the supervisor knows, and publishes a snapshot on the event
// bus only when something changed, plus a leaderChange when the leader or its term moved.
import type { ClusterSnapshot, ManagedNode, NodeReport } from '../../../node-runtime/common/manager-api';
import type { ClusterBackend, MemberView } from '../clusters/cluster-backend';
import type { EventBus } from './event-bus';
import { computeHealth } from './health';
import { reconcile, type StatusReading } from './report-order';
import { recoveryAfter, statusAfter } from './node-event-merge';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { isCutOff } from '../../../node-runtime/common/partition-groups';
import { NodeClient } from '../clusters/node-client';

export interface ClusterViewOptions {
  /** Between polls while nothing changes. */
  readonly pollIntervalMs?: number;
  /** Between polls for a few seconds after any change, so elections and restarts show promptly. */
  readonly fastPollIntervalMs?: number;
  readonly pollTimeoutMs?: number;
}

/** The fastest snapshots follow each other for progress events (role events publish at once). */
const PROGRESS_PUBLISH_MS = 100;

/** How long a running local node that failed a poll still counts as up since it was last heard. */
const STILL_HEARD_MS = 2_000;

/** How long polling stays fast after the last change. */
const FAST_POLL_WINDOW_MS = 3_000;

interface Observation {
  reachable: boolean;
  report: NodeReport | null;
  /** The process that answered (local mode): a restarted node is unreachable until it answers. */
  pid: number | null;
  /** Where `report.status` came from, to keep a late answer from overriding a newer state. */
  reading: StatusReading | null;
  /** When the node's event stream last dropped: a poll sent before then cannot bring it back. */
  droppedAt?: number;
}

/** Process states in which a node can answer; the rest are not polled (and count as unreachable). */
function mayAnswer(member: MemberView): boolean {
  const state = member.process?.state;
  return state === undefined || state === 'starting' || state === 'running' || state === 'stopping';
}

/** Free disk space moves with everything else on the machine; only steps this big are news. */
const DISK_FREE_STEP = 256 * 1024 * 1024;

/**
 * What moves on every poll without meaning a change. A node counts the manager's own polls as
 * requests and times them into its latency figures: were those news, each poll would publish, each
 * publish would speed polling up, and an idle cluster would send ~10 snapshots a second to every
 * dashboard and the journal. Client traffic also moves byte counters or the log, which are news.
 */
const NOT_NEWS = new Set(['updatedAt', 'receivedAt', 'lastContactMs', 'requests', 'latencyP50Ms', 'latencyP95Ms']);

/** The snapshot minus what moves on every poll without meaning a change. */
function changeKey(snapshot: ClusterSnapshot): string {
  return JSON.stringify(snapshot, (key, value: unknown) => {
    if (NOT_NEWS.has(key)) return undefined;
    if (key === 'diskFree' && typeof value === 'number') return Math.round(value / DISK_FREE_STEP);
    return value;
  });
}

export class ClusterView {
  private readonly observations = new Map<number, Observation>();
  private readonly partitions = new Map<number, readonly number[]>();
  private readonly clients = new Map<string, NodeClient>();
  /** The process each node's fault rules were applied to: rules live in a node's memory only. */
  private readonly rulesAppliedTo = new Map<number, number | null>();
  private current: ClusterSnapshot;
  private lastKey = '';
  private lastLeaderId: number | null = null;
  private lastLeaderTerm = 0;
  /** The highest term any reachable node reported at the last build. */
  private term = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private fastUntil = 0;
  private lastPollStarted = 0;
  private publishQueued = false;
  private progressTimer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeEvents: () => void;
  private readonly unsubscribeStreams: () => void;
  private readonly pollIntervalMs: number;
  private readonly fastPollIntervalMs: number;
  private readonly pollTimeoutMs: number;

  constructor(
    private readonly backend: ClusterBackend,
    private readonly bus: EventBus,
    options: ClusterViewOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.fastPollIntervalMs = Math.min(options.fastPollIntervalMs ?? 100, this.pollIntervalMs);
    this.pollTimeoutMs = options.pollTimeoutMs ?? 400;
    this.current = this.build();
    this.unsubscribe = backend.onChange(() => this.queuePublish());
    this.unsubscribeEvents = backend.onNodeEvent((event) => this.applyEvent(event));
    this.unsubscribeStreams = backend.onEventStream?.((nodeId, open) => open || this.streamDropped(nodeId)) ?? (() => {});
  }

  /**
   * A node's event stream dropped: the node is down as of now (its process died, or the network
   * to it), shown at once rather than after the next poll's timeout. What its events said may be
   * overtaken by now, so the next answer (a poll sent after the drop, or an event on the reopened
   * stream) is taken as it is, whatever term the events had shown; polls come fast meanwhile.
   */
  private streamDropped(nodeId: number): void {
    const observation = this.observations.get(nodeId) ?? { report: null, pid: null };
    this.observations.set(nodeId, { ...observation, reachable: false, reading: null, droppedAt: Date.now() });
    this.queuePublish();
    this.speedUp();
  }

  /**
   * A node's pushed event: forwarded to the dashboard, and applied to what the manager holds for
   * that node (unless a newer report already says more), to be published at once.
   */
  applyEvent(event: NodeEvent): void {
    const member = this.backend.members().find((m) => m.id === event.node);
    const observation = this.observations.get(event.node);
    if (member === undefined || !mayAnswer(member)) return;
    this.bus.emit('nodeEvent', event);
    const report = observation?.report;
    // Until its first poll the manager lacks the rest of the node's report: that poll comes soon.
    if (observation === undefined || report == null) return;
    const urlOf = (id: number) => this.backend.members().find((m) => m.id === id)?.httpUrl ?? null;
    const status = statusAfter(report.status, event, urlOf);
    const recovery = report.recovery === null ? null : recoveryAfter(report.recovery, event);
    if (status === null && recovery === null) return;
    const now = Date.now();
    const reading = status === null ? observation.reading : reconcile(observation.reading, { status, incarnation: member.process?.startedAt ?? 0, asOf: now });
    this.observations.set(event.node, {
      reachable: true,
      pid: member.process?.pid ?? null,
      reading,
      report: { ...report, status: reading?.status ?? report.status, recovery: recovery ?? report.recovery, receivedAt: now },
    });
    // A role change is shown at once; progress under a write burst at most every PROGRESS_PUBLISH_MS
    // (each snapshot goes to every dashboard and into the journal).
    if (event.type === 'role') this.queuePublish();
    else this.progressTimer ??= setTimeout(() => {
      this.progressTimer = null;
      this.queuePublish();
    }, PROGRESS_PUBLISH_MS);
  }

  snapshot(): ClusterSnapshot {
    return this.current;
  }

  /** A client for a member, carrying the cluster's credentials (the secret for fault rules). */
  client(member: MemberView): NodeClient {
    const key = `${member.id} ${member.httpUrl}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new NodeClient(member.id, member.httpUrl, this.backend.access, this.pollTimeoutMs);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Reads every node now, outside the polling rounds, and publishes what it read. Called before a
   * fault silences a node or a link: a silent peer's contact age is extrapolated from the leader's
   * last reading (cluster-derive's contactAgeMs), and a reading taken at the fault starts that from
   * the followers' real last contact instead of from a routine poll up to an interval earlier (the
   * paused leader's arcs dropped 0.96 → 0.18 at once in a rehearsal).
   */
  async refresh(): Promise<void> {
    await Promise.all(this.backend.members().map((m) => this.poll(m)));
    this.publish();
  }

  /** Records the fault rules just applied to `member`'s current process. */
  setPartitionedFrom(member: MemberView, peers: readonly number[]): void {
    if (peers.length === 0) this.partitions.delete(member.id);
    else this.partitions.set(member.id, [...peers].sort((a, b) => a - b));
    this.rulesAppliedTo.set(member.id, member.process?.pid ?? null);
    this.queuePublish();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.pollLoop();
  }

  /** Stops polling after publishing the final state. */
  stop(): void {
    this.running = false;
    this.unsubscribe();
    this.unsubscribeEvents();
    this.unsubscribeStreams();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    this.publish();
  }

  private async pollLoop(): Promise<void> {
    if (!this.running) return;
    this.pollTimer = null;
    this.polling = true;
    const started = Date.now();
    await Promise.all(this.backend.members().map((m) => this.poll(m)));
    this.polling = false;
    if (!this.running) return;
    this.publish();
    this.schedulePoll(started);
  }

  private schedulePoll(lastStarted: number): void {
    if (!this.running || this.polling) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    const interval = Date.now() < this.fastUntil ? this.fastPollIntervalMs : this.pollIntervalMs;
    this.pollTimer = setTimeout(() => void this.pollLoop(), Math.max(0, interval - (Date.now() - lastStarted)));
    this.lastPollStarted = lastStarted;
  }

  /** Something changed: poll fast for a while, starting with the next round. */
  private speedUp(): void {
    this.fastUntil = Date.now() + FAST_POLL_WINDOW_MS;
    this.schedulePoll(this.lastPollStarted);
  }

  private async poll(member: MemberView): Promise<void> {
    const previous = this.observations.get(member.id) ?? { reachable: false, report: null, pid: null, reading: null };
    const pid = member.process?.pid ?? null;
    if (!mayAnswer(member)) {
      this.observations.set(member.id, { ...previous, reachable: false, pid });
      return;
    }
    const client = this.client(member);
    const sentAt = Date.now();
    const [status, stats, recovery, config] = await Promise.allSettled([client.status(), client.stats(), client.recovery(), client.config()]);
    // Events may have moved what is known while the poll was out: merge into that, not into what was known before.
    const latest = this.observations.get(member.id) ?? previous;
    // The node's stream dropped while this poll was out: its answer predates the drop.
    if (latest.droppedAt !== undefined && sentAt <= latest.droppedAt) return;
    // Another cluster's node on a port we think is ours (it was free when we chose it) is not ours.
    if (status.status === 'rejected' || status.value.id !== member.id) {
      this.observations.set(member.id, { ...latest, reachable: status.status === 'rejected' && this.stillHeard(member, latest), pid });
      return;
    }
    this.reapplyRules(member, pid);
    const prior = latest.report;
    const reading = reconcile(latest.reading, { status: status.value, incarnation: member.process?.startedAt ?? 0, asOf: sentAt });
    this.observations.set(member.id, {
      reachable: true,
      pid,
      reading,
      report: {
        status: reading.status,
        stats: stats.status === 'fulfilled' ? stats.value : (prior?.stats ?? null),
        recovery: recovery.status === 'fulfilled' ? recovery.value : (prior?.recovery ?? null),
        config: config.status === 'fulfilled' ? config.value : (prior?.config ?? null),
        receivedAt: Date.now(),
      },
    });
  }

  /**
   * A local node whose process runs and that spoke (answered or pushed an event) moments ago is
   * not down because one poll failed: under load an answer can take longer than the poll's
   * timeout. Its exit or a pause shows at once anyway, through the process state.
   */
  private stillHeard(member: MemberView, previous: Observation): boolean {
    const heardAt = previous.report?.receivedAt ?? 0;
    return member.process?.state === 'running' && previous.reachable && previous.pid === (member.process.pid ?? null) && Date.now() - heardAt < STILL_HEARD_MS;
  }

  /**
   * A partitioned node that restarted forgot its rules while its peers still block it: the
   * partition the user set up is restored on the new process as soon as it answers.
   */
  private reapplyRules(member: MemberView, pid: number | null): void {
    const peers = this.partitions.get(member.id);
    if (!peers || this.rulesAppliedTo.get(member.id) === pid) return;
    this.rulesAppliedTo.set(member.id, pid);
    this.client(member).setBlockedPeers(peers).catch(() => {
      // Tried again at the next poll; meanwhile the dashboard shows the intended partition.
      this.rulesAppliedTo.delete(member.id);
    });
  }

  /** Process-state changes are shown at once rather than at the next poll. */
  private queuePublish(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    setImmediate(() => {
      this.publishQueued = false;
      this.publish();
    });
  }

  private publish(): void {
    const snapshot = this.build();
    this.current = snapshot;
    const key = changeKey(snapshot);
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.speedUp();
      this.bus.emit('snapshot', snapshot);
    }
    // A leader elected in a newer term is news (the first one seen too); "no leader" while an
    // election runs is not a change of its own, nor is a leader seen again in its known term.
    if (snapshot.leaderId !== null && (snapshot.leaderId !== this.lastLeaderId || this.term > this.lastLeaderTerm)) {
      this.lastLeaderId = snapshot.leaderId;
      this.lastLeaderTerm = this.term;
      this.bus.emit('leaderChange', { time: snapshot.updatedAt, term: this.term, leaderId: snapshot.leaderId });
    }
  }

  private build(): ClusterSnapshot {
    const members = this.backend.members();
    const nodes: ManagedNode[] = members.map((member) => {
      const observation = this.observations.get(member.id);
      const samePid = observation?.pid === (member.process?.pid ?? null);
      const reachable = (observation?.reachable ?? false) && samePid && mayAnswer(member);
      return {
        id: member.id,
        httpUrl: member.httpUrl,
        peerAddress: member.peerAddress,
        process: member.process,
        reachable,
        report: observation?.report ?? null,
        partitionedFrom: this.partitions.get(member.id) ?? [],
      };
    });
    const health = computeHealth(
      nodes.map((n) => ({
        id: n.id,
        status: n.reachable ? (n.report?.status ?? null) : null,
        recovery: n.report?.recovery ?? null,
        isolated: isCutOff(nodes, n.id),
      })),
    );
    this.term = health.term;
    return {
      mode: this.backend.mode,
      profile: this.backend.profile,
      nodes,
      leaderId: health.leaderId,
      health: health.health,
      faultTolerance: health.faultTolerance,
      inQuorum: health.inQuorum,
      behind: health.behind,
      updatedAt: Date.now(),
    };
  }
}
