// The three testing knobs never touch reads, so this test breaks the read path by hand: a core
// that answers ReadIndex at once from its own commit index, skipping the heartbeat round that
// proves it still leads (and, on a follower, the trip to the leader). The linearizable-read
// check must catch it; the same seeds with the real core must pass.

import { describe, expect, it } from 'vitest';
import { RawNode } from '../../node-runtime/raft/index';
import type { RawNodeConfig, ReadIndexResult, ReadState, Ready } from '../../node-runtime/raft/index';
import { describeFailure, runSeed } from './run';
import type { RunResult } from './run';

class StaleReadNode extends RawNode {
  private answered: ReadState[] = [];

  override readIndex(context: string): ReadIndexResult {
    this.answered.push({ index: this.status().commit, context });
    return { ok: true };
  }

  override hasReady(): boolean {
    return this.answered.length > 0 || super.hasReady();
  }

  override ready(): Ready {
    const rd = super.ready();
    const readStates = [...rd.readStates, ...this.answered];
    this.answered = [];
    return { ...rd, readStates };
  }

  override advance(): void {
    super.advance();
  }
}

const staleReads = (config: RawNodeConfig): RawNode => new StaleReadNode(config);

describe('a core that serves ReadIndex without confirming leadership', () => {
  it('is caught by the linearizable-read check within 200 seeds', async () => {
    let failure: RunResult | undefined;
    for (let seed = 1; seed <= 200 && failure === undefined; seed++) {
      const result = await runSeed(seed, { coreFactory: staleReads });
      if (!result.ok) failure = result;
    }
    expect(failure, 'no violation in 200 seeds').toBeDefined();
    expect(failure?.violation?.kind, failure && describeFailure(failure)).toBe('linearizableRead');
    if (failure) expect((await runSeed(failure.seed)).ok).toBe(true);
  });
});
