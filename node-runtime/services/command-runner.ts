// Proposes a state-machine command through Raft and turns its deterministic outcome into either
// the applied result or the matching ApiError (a rejection is an answer, not a failure).
import { ApiError, type ErrorCode } from '../common/errors';
import { encodeCommand, FIRST_INLINE_FORMAT, rejectionToApiError, type Applied, type ApplyResult, type Command, type Rejection } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';
import type { ProposalRelay } from './proposal-relay';

/** An ApiError that also carries the rejection's structured fields (used, limit, owner…). */
export class RejectionError extends ApiError {
  readonly extra: Record<string, unknown>;

  constructor(rejection: Rejection) {
    const body = rejectionToApiError(rejection);
    super(body.error as ErrorCode, body.detail);
    const { code: _code, ...fields } = rejection as Rejection & Record<string, unknown>;
    delete fields.detail;
    this.extra = fields;
  }
}

export class CommandRunner {
  constructor(
    private readonly driver: RaftDriver<ApplyResult>,
    private readonly timeoutMs: () => number,
    /** The command format every member applies (CommandFormatGate); throws when there is none. */
    private readonly format: () => number,
    /** Told how each proposal ended: committed (whatever the state machine decided) or not. */
    private readonly onProposal: (committed: boolean) => void = () => undefined,
    /** Proposes a follower's write through the leader (`run(command, true)`); none: a follower cannot. */
    private readonly relay?: ProposalRelay,
  ) {}

  /**
   * `relayed`: this node is a follower and proposes through the leader, answering once it applied
   * the entry itself; the command must carry a request id (ProposalRelay).
   */
  async run(command: Command, relayed = false): Promise<Applied & { index: number }> {
    let applied;
    try {
      applied = relayed ? await this.relayed(command) : await this.driver.propose(this.encode(command), this.timeoutMs());
    } catch (err) {
      this.onProposal(false);
      throw err;
    }
    this.onProposal(true);
    const { index, result } = applied;
    if (!result.ok) throw new RejectionError(result.rejection);
    return { ...result, index };
  }

  private relayed(command: Command): Promise<{ index: number; result: ApplyResult }> {
    const requestId = command.type === 'put' || command.type === 'delete' ? command.requestId : undefined;
    if (this.relay === undefined || requestId === undefined) throw new ApiError('internal', `a ${command.type} without a request id cannot be relayed to the leader`);
    return this.relay.run(this.encode(command), requestId, this.timeoutMs());
  }

  /**
   * The writer chose inline content when every member applied a format that carries it; a member
   * that answered a handshake since with an older release's range makes that entry unwritable.
   */
  private encode(command: Command): Uint8Array {
    const format = this.format();
    if (command.type === 'put' && command.inline !== undefined && format < FIRST_INLINE_FORMAT) {
      throw new ApiError('unavailable', `a member of the cluster applies only command format ${format}, which cannot carry a small file inline: retry`);
    }
    return encodeCommand(command, format);
  }
}
