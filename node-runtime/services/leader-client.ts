// This node's dealings with the leader: who leads and where (for redirects and /leader), a
// cluster setting forwarded to the leader's PUT /config, taking leadership on request, and the
// leader's commit index, polled over the peer RPC `raft-info` so a follower knows how far behind
// it is (recovery status, and whether "no file references this chunk" can be trusted yet).
import type { ClusterSettings } from '../common/config';
import { ApiError, apiErrorBodySchema } from '../common/errors';
import type { ApplyResult } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import { FORWARDED_HEADER, type Clock, type LeaderView } from '../ports';
import type { Transport } from '../transport';
import type { NodeApiRequest } from '../transport/tls';

/** How often a follower asks the leader for its commit index. */
const LEADER_POLL_MS = 1_000;
/** How often awaitLeader() looks whether an election ended. */
const LEADER_WAIT_STEP_MS = 10;
/** How often takeLeadership() looks whether the transfer is done. */
const TRANSFER_CHECK_MS = 20;

export interface LeaderClientOptions {
  readonly selfId: number;
  readonly selfHttpUrl: string;
  readonly raft: Pick<RaftDriver<ApplyResult>, 'isLeader' | 'leaderId' | 'applied' | 'basicStatus' | 'transferLeadership'>;
  readonly transport: Pick<Transport, 'call' | 'answer' | 'peerHttpUrl'>;
  /** The client API token, which the leader's PUT /config needs when the cluster has one. */
  readonly apiToken: string | null;
  /** Reaches the leader's API (HTTPS against the cluster's CA when its URL says so). */
  readonly requestNode: NodeApiRequest;
  readonly electionTimeoutMs: () => number;
  /** Bound on one forwarded request. */
  readonly requestTimeoutMs: number;
  readonly clock: Clock;
  /** How long a `raft-info` call to the leader took, for the warning about timeouts too short for the network. */
  readonly onLeaderRoundTrip?: (leader: number, ms: number) => void;
}

export class LeaderClient {
  /** The leader's commit index as last reported to this follower. */
  private leaderCommit = 0;
  private stopPolling: (() => void) | null = null;

  constructor(private readonly options: LeaderClientOptions) {}

  view(): LeaderView {
    const { raft, selfId, selfHttpUrl, transport } = this.options;
    const status = raft.basicStatus();
    const leaderId = status.leader || null;
    return {
      // The core steps down the moment it hears a higher term; the driver's role follows when it
      // takes the next Ready. A write that came in between would be proposed to a core that is no
      // longer leader and refused (421); routed now, it goes to the new leader like any other.
      // A leader handing over (a transfer in progress) takes no proposals: a write waits for the
      // hand-over to end (awaitLeader) and goes to whoever leads then.
      isLeader: raft.isLeader && leaderId === selfId && status.leadTransferee === 0,
      leaderId,
      leaderUrl: leaderId === null ? null : leaderId === selfId ? selfHttpUrl : transport.peerHttpUrl(leaderId) ?? null,
      term: status.term,
    };
  }

  /**
   * The leader as soon as one can take a write: this node, or a peer whose API URL is known (and
   * is not `unreachable`, a leader that just refused a connection, which this node's Raft may not
   * have noticed dying yet). Waits through an election for at most `waitMs`, looking every LEADER_WAIT_STEP_MS (an
   * election on loopback takes a few hundred ms); at the deadline, the view as it is.
   */
  async awaitLeader(waitMs: number, unreachable: string | null = null): Promise<LeaderView> {
    const { clock } = this.options;
    const deadline = clock.now() + waitMs;
    const { selfId } = this.options;
    // The core may name this node leader a moment before the driver has taken the Ready that makes
    // it one (isLeader): a write then waits for that, not forwarded to this node's own URL.
    const usable = (v: LeaderView): boolean => v.isLeader || (v.leaderUrl !== null && v.leaderId !== selfId && v.leaderUrl !== unreachable);
    let view = this.view();
    while (!usable(view) && clock.now() < deadline) {
      await new Promise<void>((resolve) => clock.after(Math.min(LEADER_WAIT_STEP_MS, Math.max(1, deadline - clock.now())), resolve));
      view = this.view();
    }
    return view;
  }

  /** A leader is known and this node has applied everything it knows is committed. */
  isReady(): boolean {
    const status = this.options.raft.basicStatus();
    return status.leader !== 0 && this.options.raft.applied >= status.commit;
  }

  /** Entries this node has yet to apply of what the leader committed; null until the leader was heard from. */
  behindLeader(): number | null {
    const { raft } = this.options;
    if (raft.isLeader) return 0;
    return this.leaderCommit === 0 ? null : Math.max(0, this.leaderCommit - raft.applied);
  }

  /** Answers peers' `raft-info` calls, and polls the leader's while this node follows. */
  start(): void {
    this.options.transport.answer('raft-info', () => ({ commit: this.options.raft.basicStatus().commit }));
    this.stopPolling ??= this.options.clock.every(LEADER_POLL_MS, () => this.pollLeaderCommit());
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }

  /** Sends a cluster-scope patch to the leader's PUT /config, as this node's client would. */
  /** Sends a cluster setting to the leader once one is elected (up to `waitMs`); false if that is this node. */
  async forwardConfig(patch: Partial<ClusterSettings>, waitMs: number): Promise<boolean> {
    const { selfId, apiToken, requestTimeoutMs } = this.options;
    const view = await this.awaitLeader(waitMs);
    if (view.isLeader) return false;
    const leaderUrl = view.leaderUrl;
    if (leaderUrl === null) throw new ApiError('no_quorum', 'no leader was elected within the wait for one (no quorum?) to take the cluster setting');
    const body = Buffer.from(JSON.stringify(patch));
    const headers = { 'content-type': 'application/json', 'content-length': body.length, [FORWARDED_HEADER]: String(selfId), ...(apiToken !== null && { authorization: `Bearer ${apiToken}` }) };
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = this.options.requestNode(new URL('/config', leaderUrl), { method: 'PUT', headers, signal: AbortSignal.timeout(requestTimeoutMs) }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, text: Buffer.concat(pieces).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err) => reject(new ApiError('unavailable', `could not reach the leader at ${leaderUrl}: ${err.message}`)));
      req.end(body);
    });
    if (status >= 300) {
      const parsed = apiErrorBodySchema.partial().safeParse(parseJson(text));
      const answer = parsed.success ? parsed.data : {};
      throw new ApiError(answer.error ?? 'unavailable', answer.detail ?? `leader answered ${status}`);
    }
    return true;
  }

  /** Asks the cluster to make this node the leader; waits up to two election timeouts (plus 2 s) for it. */
  async takeLeadership(): Promise<LeaderView> {
    const { raft, selfId, clock } = this.options;
    if (!raft.isLeader) {
      raft.transferLeadership(selfId);
      const deadline = clock.now() + 2 * this.options.electionTimeoutMs() + 2_000;
      while (!raft.isLeader && clock.now() < deadline) await new Promise<void>((resolve) => clock.after(TRANSFER_CHECK_MS, resolve));
      if (!raft.isLeader) throw new ApiError('unavailable', `node ${selfId} could not take leadership (is a leader known and this node caught up?)`);
    }
    return this.view();
  }

  private pollLeaderCommit(): void {
    const leader = this.options.raft.leaderId;
    if (!leader || leader === this.options.selfId) return;
    const sentAt = performance.now();
    this.options.transport
      .call(leader, 'raft-info', {}, { timeoutMs: LEADER_POLL_MS })
      .then(({ commit }) => {
        this.options.onLeaderRoundTrip?.(leader, performance.now() - sentAt);
        this.leaderCommit = Math.max(this.leaderCommit, commit);
      })
      .catch(() => undefined);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
