// Lease locks through Raft. The leader stamps each command with its clock and, on acquire, a
// fresh token, so every replica applies the same bytes and agrees on expiry in log time.
import { randomBytes } from 'node:crypto';
import type { LockGrant, LockInfo } from '../common/api-types';
import type { ClusterSettings } from '../common/config';
import { ApiError } from '../common/errors';
import { MAX_LOCK_TTL_MS, toLockGrant, toLockInfo, type StateMachine } from '../fsm';
import type { Clock, LockService } from '../ports';
import type { CommandRunner } from './command-runner';

export class RaftLockService implements LockService {
  constructor(
    private readonly fsm: StateMachine,
    private readonly runner: CommandRunner,
    private readonly settings: () => Readonly<ClusterSettings>,
    private readonly clock: Clock,
  ) {}

  list(): LockInfo[] {
    const now = this.clock.now();
    return this.fsm
      .listLocks()
      .filter((lock) => lock.expiresAt > now)
      .map(toLockInfo);
  }

  async acquire(name: string, owner: string, ttlMs: number | null): Promise<LockGrant> {
    const token = randomBytes(18).toString('base64url');
    const applied = await this.runner.run({ type: 'lockAcquire', name, owner, token, ttlMs: this.ttl(ttlMs), at: this.clock.now() });
    if (applied.type !== 'lockAcquire') throw new ApiError('internal', `unexpected outcome ${applied.type} for lockAcquire`);
    return toLockGrant(applied.lock);
  }

  async renew(name: string, token: string, ttlMs: number | null): Promise<LockInfo> {
    const applied = await this.runner.run({ type: 'lockRenew', name, token, ttlMs: this.ttl(ttlMs), at: this.clock.now() });
    if (applied.type !== 'lockRenew') throw new ApiError('internal', `unexpected outcome ${applied.type} for lockRenew`);
    return toLockInfo(applied.lock);
  }

  async release(name: string, token: string): Promise<void> {
    await this.runner.run({ type: 'lockRelease', name, token, at: this.clock.now() });
  }

  private ttl(requested: number | null): number {
    const ttl = requested ?? this.settings().lockDefaultTtlMs;
    if (ttl > MAX_LOCK_TTL_MS) throw new ApiError('bad_request', `ttlMs must be at most ${MAX_LOCK_TTL_MS}`);
    return ttl;
  }
}
