// Proposes a state-machine command through Raft and turns its deterministic outcome into either
// the applied result or the matching ApiError (a rejection is an answer, not a failure).
import { ApiError, type ErrorCode } from '../common/errors';
import { encodeCommand, FIRST_INLINE_FORMAT, rejectionToApiError, type Applied, type ApplyResult, type Command, type Rejection } from '../fsm';
import type { RaftDriver } from '../node/raft-driver';

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
  ) {}

  async run(command: Command): Promise<Applied & { index: number }> {
    let applied;
    try {
      applied = await this.driver.propose(this.encode(command), this.timeoutMs());
    } catch (err) {
      this.onProposal(false);
      throw err;
    }
    this.onProposal(true);
    const { index, result } = applied;
    if (!result.ok) throw new RejectionError(result.rejection);
    return { ...result, index };
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
