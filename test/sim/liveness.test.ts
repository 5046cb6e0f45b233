// The liveness phase: once faults stop, a leader must emerge and every pending write commit
// within a bound of simulated time. These tests pin scenarios to show the phase both passes a
// healthy cluster quickly and fails one that cannot make progress.

import { describe, expect, it } from 'vitest';
import { encodeConfChange } from '../../node-runtime/raft/index';
import type { ConfChange, ConfState, Entry } from '../../node-runtime/raft/index';
import { configurationsAhead } from './membership';
import { describeFailure, runScenario, runSeed } from './run';
import { drawScenario } from './scenario';
import type { ScenarioOverrides } from './scenario';

const NO_FAULTS: ScenarioOverrides = {
  faults: { crash: 0, partition: 0, snapshot: 0, confChange: 0, transferLeader: 0, crashAtKeyMoments: 0 },
  links: { minLatency: 1, maxLatency: 10, dropRate: 0, duplicateRate: 0 },
  workload: { write: 10, maxBatch: 4, read: 20 },
  raft: { electionTicks: 10 },
  faultTime: 2000,
};

describe('the liveness phase', () => {
  it('passes a fault-free cluster at once: it already has a leader and has applied every write', async () => {
    const result = await runScenario(5, (random) => drawScenario(random, NO_FAULTS));
    expect(result.ok, describeFailure(result)).toBe(true);
    // About 100 batches in 2,000 time units; a healthy cluster commits nearly all of them.
    expect(result.stats.writesApplied).toBeGreaterThan(100);
    // No election: the leader elected at the start still leads.
    expect(result.stats.leadersElected).toBe(1);
    // What remains is clients' business: followers turn writes away (forwarding is off here), and
    // a client retries a write after 20 ticks, at the leader most of the time. This run needs two
    // such retries, then a read and a heartbeat.
    const electionTimeout = result.scenario.raft.electionTicks * result.scenario.tickInterval;
    expect(result.stats.convergedAfter).toBeLessThanOrEqual(5 * electionTimeout);
  });

  it('brings a cluster back from a storm of crashes, partitions and membership changes within its bound', async () => {
    const storm: ScenarioOverrides = {
      faults: { crash: 100, maxDowntime: 1500, partition: 150, maxPartitionTime: 1500, confChange: 150, snapshot: 100, crashAtKeyMoments: 0.2 },
    };
    const converged: number[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const result = await runScenario(seed, (random) => drawScenario(random, storm));
      expect(result.ok, describeFailure(result)).toBe(true);
      expect(result.stats.crashes + result.stats.partitions).toBeGreaterThan(0);
      converged.push(result.stats.convergedAfter ?? Infinity);
    }
    expect(Math.max(...converged)).toBeLessThan(Infinity);
  });

  it('fails a cluster whose network never heals, naming what is missing', async () => {
    const result = await runScenario(5, (random) => ({
      ...drawScenario(random, NO_FAULTS),
      healedLinks: { minLatency: 1, maxLatency: 10, dropRate: 1, duplicateRate: 0 },
    }));
    expect(result.ok).toBe(false);
    expect(result.violation?.kind).toBe('liveness');
    expect(result.violation?.detail).toMatch(new RegExp(`^nothing moved for ${result.scenario.livenessBound} time units: \\S`));
  });

  it('gives a slow catch-up that keeps moving more time than the bound, but not for ever', async () => {
    // Seed 3063931: a voter added late fetches a long log one 256-byte message at a time, with
    // one message in flight, and the commit advances all along (it failed a fixed bound once).
    // Bounds only decide when the run stops, so every run below has the same history.
    const unbounded = await runSeed(3063931, { overrides: { livenessBound: 100_000 } });
    expect(unbounded.ok, describeFailure(unbounded)).toBe(true);
    const took = unbounded.stats.convergedAfter ?? Number.POSITIVE_INFINITY;
    // Long enough that even a quarter of it spans many of the phase's polls (one per tick).
    expect(took).toBeGreaterThan(40 * unbounded.scenario.tickInterval);
    // Half the time it takes as a bound: still moving at the bound, so it may go on, and arrives.
    const half = Math.ceil(took / 2);
    const moving = await runSeed(3063931, { overrides: { livenessBound: half } });
    expect(moving.ok, describeFailure(moving)).toBe(true);
    expect(moving.stats.convergedAfter).toBe(took);
    // A quarter: three bounds are all a moving cluster gets, and they end before it arrives.
    const quarter = Math.floor(took / 4);
    const late = await runSeed(3063931, { overrides: { livenessBound: quarter } });
    expect(late.violation?.kind).toBe('liveness');
    expect(late.violation?.detail).toMatch(new RegExp(`^${3 * quarter} time units after the faults stopped: `));
  });

  it('reports every seed of the suite as converged, with the time it took', async () => {
    const result = await runSeed(1);
    expect(result.ok, describeFailure(result)).toBe(true);
    expect(result.stats.convergedAfter).toBeGreaterThanOrEqual(0);
    expect(result.stats.convergedAfter).toBeLessThanOrEqual(result.scenario.livenessBound);
  });
});

describe('the configurations in play when a voter is kept down', () => {
  const change = (index: number, cc: ConfChange): Entry => ({ index, term: 1, kind: 'confChange', data: encodeConfChange(cc) });
  const threeVoters: ConfState = { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };

  it('follow the unapplied changes of a log: a joint change, then its leave', () => {
    const ahead = configurationsAhead(threeVoters, [
      change(5, { changes: [{ op: 'addVoter', nodeId: 4 }, { op: 'removeNode', nodeId: 1 }], transition: 'auto' }),
      { index: 6, term: 1, kind: 'normal', data: new Uint8Array(0) },
      change(7, { changes: [], transition: 'leaveJoint' }),
    ]);
    expect(ahead?.map((cs) => [cs.voters, cs.votersOutgoing])).toEqual([
      [[2, 3, 4], [1, 2, 3]],
      [[2, 3, 4], []],
    ]);
  });

  it('are unknown when a change does not apply to the configuration the node holds (another branch)', () => {
    expect(configurationsAhead(threeVoters, [change(5, { changes: [], transition: 'leaveJoint' })])).toBeUndefined();
  });
});
