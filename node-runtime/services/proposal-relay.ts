// A follower's small write proposed through Raft, etcd's way (issue #11): the follower sends the
// put entry to the leader as a proposal (MsgProp) on the Raft stream it already has, and answers
// its client once it has applied that entry itself, found by the request id the entry carries.
// Forwarding the HTTP request instead cost the follower an HTTP client, a second parse and a relay
// of the answer, and the leader an HTTP server, per write.
//
// A proposal in flight is lost with its leader (and a leader handing over drops it): whenever the
// leader changes, every write still waiting is proposed again, same entry, same request id — to
// the new leader, or here when this node now leads — and the state machine answers whichever
// copy applies second with the first one's outcome (fsm/request-table.ts), so a write applies
// once, as with the resend of a forwarded request. A copy that applies after a first one was
// refused is answered with that refusal (command format 4, which relaying needs), so the client's
// answer, from whichever copy applied first here, is what every replica did. A proposal can also be
// lost on the link to a leader that stays (a broken connection, a full queue, a cut link): checked
// every second, one sent before the link to its leader lost messages goes again; a merely slow write
// is left alone, since every copy is one more entry in every log. One that does not apply within
// the proposal timeout is answered 503 with its request id, for the client to retry it under that id.
//
// The entry's time (`at`) is this follower's clock, not the leader's: log time is the largest
// applied, so a follower whose clock runs ahead moves it forward (leases end that much sooner), as
// a new leader whose clock runs ahead already does. Nodes' clocks are taken to agree (NTP).
import { ApiError } from '../common/errors';
import { decodeCommand, type ApplyResult, type StateMachine } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import type { Clock } from '../ports';

/** How often a waiting write checks whether the link to its leader lost messages since it was sent. */
export const LOSS_CHECK_MS = 1_000;

interface Waiting {
  readonly requestId: string;
  readonly data: Uint8Array;
  readonly deadline: number;
  readonly resolve: (applied: { index: number; result: ApplyResult }) => void;
  readonly reject: (err: Error) => void;
  cancelTimer: () => void;
  cancelRetry: () => void;
  /** The leader it was last sent to (0: none, -1: this node) and that link's losses then. */
  sentTo: number;
  lossesThen: number;
}

export interface ProposalRelayOptions {
  /** Messages to `peerId` that may not have arrived (dropped, or in a connection that broke), counted since start. */
  readonly linkLosses: (peerId: number) => number;
  /** Told when a leader change sends waiting writes again: how many, and to which leader (0: none known yet, -1: this node). */
  readonly onProposedAgain?: (writes: number, leader: number) => void;
}

export class ProposalRelay {
  private readonly waiting = new Map<string, Waiting[]>();
  private relayedCount = 0;

  constructor(
    private readonly driver: RaftDriver<ApplyResult>,
    private readonly fsm: StateMachine,
    private readonly clock: Clock,
    private readonly options: ProposalRelayOptions,
  ) {
    fsm.watchRequests((requestId, index, result) => this.applied(requestId, index, result));
    // Told in the middle of a Ready: proposed again once the driver's turn is over.
    driver.on('leaderChange', () => queueMicrotask(() => this.proposeAgain()));
    // An entry a snapshot covered was never applied here one by one: its outcome is in the table.
    driver.on('snapshotRestored', () => this.answerFromTable());
  }

  /**
   * Proposes `data` (an encoded put or delete carrying `requestId`) through the leader and resolves
   * once this node applied it, with the state machine's outcome.
   */
  run(data: Uint8Array, requestId: string, timeoutMs: number): Promise<{ index: number; result: ApplyResult }> {
    return new Promise((resolve, reject) => {
      this.relayedCount += 1;
      const waiting: Waiting = { requestId, data, deadline: this.clock.now() + timeoutMs, resolve, reject, cancelTimer: () => undefined, cancelRetry: () => undefined, sentTo: 0, lossesThen: 0 };
      waiting.cancelTimer = this.clock.after(timeoutMs, () => {
        this.forget(waiting);
        waiting.cancelRetry();
        reject(notApplied(requestId, timeoutMs));
      });
      this.retryLater(waiting);
      const list = this.waiting.get(requestId);
      if (list) list.push(waiting);
      else this.waiting.set(requestId, [waiting]);
      try {
        this.propose(waiting);
      } catch (err) {
        this.forget(waiting);
        waiting.cancelTimer();
        waiting.cancelRetry();
        reject(err as Error);
      }
    });
  }

  /** Writes run here since the node started (the dfs_writes_relayed gauge). */
  get relayed(): number {
    return this.relayedCount;
  }

  private propose(waiting: Waiting): void {
    if (this.driver.isLeader) {
      waiting.sentTo = -1;
      // Its outcome arrives through the state machine's watcher like any other copy's.
      this.driver.propose(waiting.data, Math.max(1, waiting.deadline - this.clock.now())).catch(() => undefined);
      return;
    }
    // Taken before the send: a loss counted from here on may be this message's.
    const leader = this.driver.leaderId;
    waiting.lossesThen = leader > 0 ? this.options.linkLosses(leader) : 0;
    // No leader known (0): nothing was sent; the next leader change proposes it.
    waiting.sentTo = this.driver.relay(waiting.data);
  }

  /** Every LOSS_CHECK_MS until it applies: proposed again if the link to the leader it went to lost messages since. */
  private retryLater(waiting: Waiting): void {
    waiting.cancelRetry = this.clock.after(LOSS_CHECK_MS, () => {
      if (!this.waiting.get(waiting.requestId)?.includes(waiting)) return;
      if (waiting.sentTo > 0 && waiting.sentTo === this.driver.leaderId && this.options.linkLosses(waiting.sentTo) > waiting.lossesThen) {
        try {
          this.propose(waiting);
        } catch {
          // A stopped driver: the timeout answers.
        }
      }
      this.retryLater(waiting);
    });
  }

  private proposeAgain(): void {
    if (this.waiting.size > 0) this.options.onProposedAgain?.(this.waiting.size, this.driver.isLeader ? -1 : this.driver.leaderId);
    for (const list of this.waiting.values()) {
      const first = list[0];
      if (first === undefined) continue;
      try {
        this.propose(first);
      } catch {
        // A stopped driver: the timeout answers.
      }
    }
  }

  private applied(requestId: string, index: number, result: ApplyResult): void {
    const list = this.waiting.get(requestId);
    if (list === undefined) return;
    this.waiting.delete(requestId);
    for (const waiting of list) this.settle(waiting, index, result);
  }

  private settle(waiting: Waiting, index: number, result: ApplyResult): void {
    waiting.cancelTimer();
    waiting.cancelRetry();
    waiting.resolve({ index, result });
  }

  /** Writes a restored snapshot decided (they applied in it, not one by one here), answered as the table answers a copy of them. */
  private answerFromTable(): void {
    for (const list of [...this.waiting.values()]) {
      for (const waiting of list) {
        const command = decodeCommand(waiting.data);
        const outcome = command.type === 'put' || command.type === 'delete' ? this.fsm.repeatOutcome(command) : undefined;
        if (outcome === undefined) continue;
        this.forget(waiting);
        this.settle(waiting, outcome.index, outcome.result);
      }
    }
  }

  private forget(waiting: Waiting): void {
    const list = this.waiting.get(waiting.requestId);
    if (list === undefined) return;
    const rest = list.filter((w) => w !== waiting);
    if (rest.length === 0) this.waiting.delete(waiting.requestId);
    else this.waiting.set(waiting.requestId, rest);
  }
}

function notApplied(requestId: string, timeoutMs: number): ApiError {
  const err = new ApiError(
    'unavailable',
    `the write was proposed to the leader and did not apply here within ${timeoutMs} ms (a leader change, or no quorum); it may still apply: retry it with the header Idempotency-Key: ${requestId} to have it apply once`,
  );
  return Object.assign(err, { extra: { requestId } });
}
