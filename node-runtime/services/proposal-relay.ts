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
// once, as with the resend of a forwarded request. A proposal can also be lost without a leader
// change (the peer connection dropped it, the leader refused it while handing over): one that has
// not applied a second after it was sent goes again, every second. One that does not apply within
// the proposal timeout is answered 503 with its request id, for the client to retry it under that id.
//
// The entry's time (`at`) is this follower's clock, not the leader's: log time is the largest
// applied, so a follower whose clock runs ahead moves it forward (leases end that much sooner), as
// a new leader whose clock runs ahead already does. Nodes' clocks are taken to agree (NTP).
import { ApiError } from '../common/errors';
import type { ApplyResult, StateMachine } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import type { Clock } from '../ports';

/**
 * A write relayed this long ago and not applied yet is proposed again. Long against a write's
 * usual milliseconds, so a merely slow one costs at most a repeat the request table answers.
 */
export const PROPOSE_AGAIN_AFTER_MS = 1_000;

interface Waiting {
  readonly requestId: string;
  readonly data: Uint8Array;
  readonly deadline: number;
  readonly resolve: (applied: { index: number; result: ApplyResult }) => void;
  readonly reject: (err: Error) => void;
  cancelTimer: () => void;
  cancelRetry: () => void;
}

export class ProposalRelay {
  private readonly waiting = new Map<string, Waiting[]>();
  private relayedCount = 0;

  constructor(
    private readonly driver: RaftDriver<ApplyResult>,
    private readonly fsm: StateMachine,
    private readonly clock: Clock,
    /** Told when a leader change sends waiting writes again: how many, and to which leader (0: none known yet, -1: this node). */
    private readonly onProposedAgain: (writes: number, leader: number) => void = () => undefined,
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
      const waiting: Waiting = { requestId, data, deadline: this.clock.now() + timeoutMs, resolve, reject, cancelTimer: () => undefined, cancelRetry: () => undefined };
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
      // Its outcome arrives through the state machine's watcher like any other copy's.
      this.driver.propose(waiting.data, Math.max(1, waiting.deadline - this.clock.now())).catch(() => undefined);
      return;
    }
    // No leader known: nothing was sent; the next leader change proposes it.
    this.driver.relay(waiting.data);
  }

  /** Proposes `waiting` again in PROPOSE_AGAIN_AFTER_MS unless it applies first; a leader's own proposal is in its log (a lost leadership proposes again at the leader change). */
  private retryLater(waiting: Waiting): void {
    waiting.cancelRetry = this.clock.after(PROPOSE_AGAIN_AFTER_MS, () => {
      if (!this.waiting.get(waiting.requestId)?.includes(waiting)) return;
      if (!this.driver.isLeader) {
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
    if (this.waiting.size > 0) this.onProposedAgain(this.waiting.size, this.driver.isLeader ? -1 : this.driver.leaderId);
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
    for (const waiting of list) {
      waiting.cancelTimer();
      waiting.cancelRetry();
      waiting.resolve({ index, result });
    }
  }

  private answerFromTable(): void {
    for (const requestId of [...this.waiting.keys()]) {
      const first = this.fsm.recordedRequest(requestId);
      if (first === undefined) continue;
      const result: ApplyResult =
        first.type === 'put' ? { ok: true, type: 'put', file: first.file, previous: null, repeatOf: first.index } : { ok: true, type: 'delete', file: first.file, repeatOf: first.index };
      this.applied(requestId, first.index, result);
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
