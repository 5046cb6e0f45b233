// Raft's timeouts in a real node: the tick they are counted in, the defaults that fit where the
// cluster runs (loopback or a network), and a warning when the network is too slow for them.
import { LOCAL_CLUSTER_TIMING, type ClusterSettings } from '../common/config';
import { isLoopbackHost, type ClusterMember } from './cli-options';

/** Raft runs on a fixed tick; heartbeat and election timeouts are whole numbers of ticks. */
export const TICK_MS = 20;

/**
 * How long a leader proposes nothing before it tells its followers a new commit index at once
 * rather than at its next tick (RaftDriverOptions.commitIdleMs). Below a client's turnaround
 * between writes one after another (measured: no more frames per write at one in flight), so
 * under load the next append still carries it.
 */
export const COMMIT_IDLE_MS = 3;

type Timing = Pick<ClusterSettings, 'heartbeatInterval' | 'electionTimeout'>;

/** Raft counts time in ticks of TICK_MS; the settings are in milliseconds. */
export function timingTicks(settings: Timing): { electionTicks: number; heartbeatTicks: number } {
  const heartbeatTicks = Math.max(1, Math.round(settings.heartbeatInterval / TICK_MS));
  return { heartbeatTicks, electionTicks: Math.max(heartbeatTicks * 2, Math.round(settings.electionTimeout / TICK_MS)) };
}

/**
 * The timeouts a cluster starts with until its log sets them: short ones when every founding
 * member sits on this machine (a peer given without a host is dialled here too), else undefined
 * (the conservative CLUSTER_DEFAULTS). Every node of one cluster gets the same --cluster list, so
 * all of them agree on the defaults, as the replicated configuration requires.
 */
export function timingDefaultsFor(cluster: readonly ClusterMember[]): Timing | undefined {
  const local = cluster.every((m) => m.peer.host === '' || isLoopbackHost(m.peer.host));
  return local ? LOCAL_CLUSTER_TIMING : undefined;
}

/** How often at most the slow-network warning repeats. */
const WARN_EVERY_MS = 60_000;

/**
 * Watches round trips to the leader. When one takes half a heartbeat interval or more, the
 * timeouts cannot work: heartbeats arrive late, followers campaign against a live leader and
 * writes stall in elections. The node then says so (at most once a minute) and what to set.
 */
export class RoundTripWatch {
  private lastWarnAt = -Infinity;

  constructor(private readonly warn: (details: object, message: string) => void) {}

  note(peer: number, roundTripMs: number, timing: Timing, now: number): void {
    if (roundTripMs * 2 < timing.heartbeatInterval || now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    const suggested = Math.ceil(roundTripMs * 4);
    this.warn(
      { peer, roundTripMs: Math.round(roundTripMs), ...timing },
      `a round trip to the leader (node ${peer}) took ${Math.round(roundTripMs)} ms, close to the heartbeat interval of ${timing.heartbeatInterval} ms: ` +
        `expect elections against a live leader. Raise heartbeatInterval to at least ${suggested} ms and electionTimeout to at least ${suggested * 10} ms (PUT /config)`,
    );
  }
}
