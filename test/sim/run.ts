// One seed, one run: draw the scenario, inject faults for a while, then demand liveness. Any
// broken invariant (or an exception out of the core) ends the run with the seed and the command
// that replays it.

import type { RawNode, RawNodeConfig } from '../../node-runtime/raft/index';
import { Cluster } from './cluster';
import type { CheckerOptions } from './invariants';
import { LivenessPhase } from './liveness';
import { Operator } from './membership';
import { FaultInjector } from './faults';
import { Prng } from './prng';
import { knobOverrides, knobSettings, PROFILES } from './profiles';
import type { Knob, Profile } from './profiles';
import { drawScenario, mergeOverrides } from './scenario';
import type { Scenario, ScenarioOverrides } from './scenario';
import { Violation } from './violation';
import type { ViolationKind } from './violation';
import { Workload } from './workload';

export interface RunOptions {
  /** Prints the run's trace (to `traceSink` when given, else to stdout). */
  readonly verbose?: boolean;
  readonly traceSink?: (line: string) => void;
  /** Runs a deliberately broken core, with the fault mix aimed at its bug. */
  readonly knob?: Knob;
  /** The fault mix aimed at a knob's bug, on the correct core (the control for `knob`). */
  readonly aimAt?: Knob;
  /** Leans the fault mix toward one kind of trouble (see PROFILES); part of the replay command. */
  readonly profile?: Profile;
  /** Pins parts of the drawn scenario (applied after a knob's and a profile's); part of the replay command. */
  readonly overrides?: ScenarioOverrides;
  /** Builds the cores in place of RawNode (tests only: not part of the replay command). */
  readonly coreFactory?: (config: RawNodeConfig) => RawNode;
  /** Turns off the Ready-contract checks (to show end-to-end checks alone catch a bug). */
  readonly noContractChecks?: boolean;
}

export interface RunStats {
  readonly simulatedTime: number;
  readonly committedIndex: number;
  readonly writesApplied: number;
  readonly readsServed: number;
  readonly messages: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly snapshots: number;
  readonly connectionsClosed: number;
  readonly pauses: number;
  readonly confChanges: number;
  readonly confChangesApplied: number;
  readonly leadersElected: number;
  readonly snapshotsInstalled: number;
  readonly convergedAfter?: number;
}

export interface RunResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: { readonly kind: ViolationKind; readonly detail: string; readonly time: number; readonly stack?: string };
  readonly scenario: Scenario;
  readonly stats: RunStats;
  readonly replay: string;
}

export function replayCommand(seed: number, options: RunOptions = {}): string {
  const flags = [`--seed ${seed}`];
  if (options.knob) flags.push(`--knob ${options.knob}`);
  else if (options.aimAt) flags.push(`--aim-at ${options.aimAt}`);
  if (options.profile !== undefined && options.profile !== 'default') flags.push(`--profile ${options.profile}`);
  if (options.overrides) flags.push(`--override '${JSON.stringify(options.overrides)}'`);
  if (options.noContractChecks) flags.push('--no-contract-checks');
  return `npm run sim -- ${flags.join(' ')}`;
}

/** The run a seed stands for: its scenario is drawn from the seed (aimed at a knob's bug if asked). */
export function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const aimAt = options.knob ?? options.aimAt;
  const leaning = mergeOverrides(aimAt ? knobOverrides(aimAt) : {}, PROFILES[options.profile ?? 'default']);
  const overrides = mergeOverrides(leaning, options.overrides ?? {});
  return runScenario(seed, (random) => drawScenario(random, overrides), options);
}

/**
 * Runs `seed` with the scenario `pick` draws (or builds) from the seed's scenario stream. Tests
 * use it to pin a scenario; its replay command holds only for scenarios runSeed would draw.
 */
export async function runScenario(seed: number, pick: (random: Prng) => Scenario, options: RunOptions = {}): Promise<RunResult> {
  const root = new Prng(seed);
  // One stream per concern, forked in a fixed order: adding draws to one concern never shifts another's.
  const scenarioRandom = root.fork();
  const clusterRandom = root.fork();
  const faultRandom = root.fork();
  const operatorRandom = root.fork();
  const workloadRandom = root.fork();
  const livenessRandom = root.fork();
  const scenario = pick(scenarioRandom);
  const { core: knobs, driver: driverKnobs } = options.knob ? knobSettings(options.knob) : {};
  const checker: CheckerOptions = { readyContract: !options.noContractChecks };
  const cluster = new Cluster(
    {
      nodeIds: scenario.nodeIds,
      initialVoters: scenario.initialVoters,
      raft: scenario.raft,
      ...(knobs === undefined ? {} : { knobs }),
      ...(driverKnobs === undefined ? {} : { driverKnobs }),
      tickInterval: scenario.tickInterval,
      clockSkew: scenario.clockSkew,
      links: scenario.links,
      readyDelayMax: scenario.readyDelayMax,
      diskSyncDelayMax: scenario.diskSyncDelayMax ?? 0,
      verbose: options.verbose ?? false,
      ...(options.traceSink ? { traceSink: options.traceSink } : {}),
      checker,
      ...(options.coreFactory ? { coreFactory: options.coreFactory } : {}),
    },
    clusterRandom,
  );
  const faults = new FaultInjector(cluster, faultRandom, scenario.faults, scenario.raft.electionTicks * scenario.tickInterval);
  const operator = new Operator(cluster, operatorRandom, scenario.faults);
  const workload = new Workload(cluster, workloadRandom, scenario.workload, 20 * scenario.tickInterval);
  const liveness = new LivenessPhase(cluster, faults, operator, workload, scenario.healedLinks, scenario.tickInterval, livenessRandom);
  if (options.verbose) cluster.trace.log(undefined, `scenario ${JSON.stringify(scenario)}`);

  let violation: RunResult['violation'];
  let convergedAfter: number | undefined;
  try {
    workload.start();
    faults.start();
    operator.start();
    await cluster.run(scenario.faultTime);
    cluster.trace.log(undefined, 'faults stop: liveness phase');
    convergedAfter = (await liveness.run(scenario.livenessBound, scenario.oneDownFirst === true)).convergedAfter;
  } catch (err) {
    if (err instanceof Violation) violation = { kind: err.kind, detail: err.detail, time: err.time };
    else {
      const error = err instanceof Error ? err : new Error(String(err));
      violation = { kind: 'coreThrew', detail: error.message, time: cluster.now(), ...(error.stack ? { stack: error.stack } : {}) };
    }
  }
  const stats: RunStats = {
    simulatedTime: cluster.now(),
    committedIndex: cluster.checker.committedIndex,
    writesApplied: workload.stats.writesApplied,
    readsServed: workload.stats.readsServed,
    messages: cluster.network.stats.sent,
    crashes: faults.stats.crashes,
    partitions: faults.stats.partitions,
    snapshots: faults.stats.snapshots,
    connectionsClosed: faults.stats.connectionsClosed,
    pauses: faults.stats.pauses,
    confChanges: operator.changesProposed,
    confChangesApplied: cluster.events.confChangeApplied,
    leadersElected: cluster.events.leaderElected,
    snapshotsInstalled: cluster.events.snapshotInstalled,
    ...(convergedAfter === undefined ? {} : { convergedAfter }),
  };
  return { seed, ok: violation === undefined, ...(violation ? { violation } : {}), scenario, stats, replay: replayCommand(seed, options) };
}

/** One line for a failed run: what broke, and how to see it again. */
export function describeFailure(result: RunResult): string {
  const v = result.violation;
  if (v === undefined) return `seed ${result.seed}: ok`;
  return `seed ${result.seed}: ${v.kind} at t=${v.time}: ${v.detail}\n  replay: ${result.replay}${v.stack ? `\n${v.stack}` : ''}`;
}
