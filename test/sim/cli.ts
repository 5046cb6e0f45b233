// `npm run sim -- --seed S [--verbose]` replays one run exactly (with --verbose: its full trace);
// `npm run sim -- --seeds N [--from F]` runs N seeds, printing progress and every failure with
// the command that replays it. Exit code 1 when any run failed.

import { parseArgs } from 'node:util';
import { isKnob, isProfile, KNOBS, PROFILES } from './profiles';
import type { Knob } from './profiles';
import { describeFailure, runSeed } from './run';
import type { RunOptions } from './run';
import type { ScenarioOverrides } from './scenario';

const USAGE = `usage: npm run sim -- (--seed S [--verbose] | --seeds N [--from F]) [--profile P] [--knob K | --aim-at K] [--override JSON] [--no-contract-checks]
  --profile P  lean the fault mix toward one kind of trouble: ${Object.keys(PROFILES).join(', ')}
  --knob K     break the core with testing knob K (${KNOBS.join(', ')}) and aim the faults at its bug
  --aim-at K   the same faults on the correct core
  --override   pin parts of every drawn scenario, e.g. '{"clockSkew":3,"raft":{"preVote":false}}'`;

function parseInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}\n${USAGE}`);
  return n;
}

function parseKnob(flag: string, value: string | undefined): Knob | undefined {
  if (value === undefined) return undefined;
  if (!isKnob(value)) throw new Error(`unknown --${flag} ${value}\n${USAGE}`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      from: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      knob: { type: 'string' },
      'aim-at': { type: 'string' },
      override: { type: 'string' },
      profile: { type: 'string', default: 'default' },
      'no-contract-checks': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || (values.seed === undefined && values.seeds === undefined)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const knob = parseKnob('knob', values.knob);
  const aimAt = parseKnob('aim-at', values['aim-at']);
  if (!isProfile(values.profile)) throw new Error(`unknown --profile ${values.profile}\n${USAGE}`);
  const options: RunOptions = {
    ...(knob ? { knob } : {}),
    ...(aimAt ? { aimAt } : {}),
    profile: values.profile,
    ...(values.override === undefined ? {} : { overrides: JSON.parse(values.override) as ScenarioOverrides }),
    noContractChecks: values['no-contract-checks'],
  };

  if (values.seed !== undefined) {
    const seed = parseInteger('seed', values.seed, 0);
    const result = await runSeed(seed, { ...options, verbose: values.verbose });
    console.log(result.ok ? `seed ${seed}: ok ${JSON.stringify(result.stats)}` : describeFailure(result));
    return result.ok ? 0 : 1;
  }

  const count = parseInteger('seeds', values.seeds, 0);
  const from = parseInteger('from', values.from, 1);
  const started = performance.now();
  let lastReport = started;
  let failures = 0;
  const byKind = new Map<string, number[]>();
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSeed(seed, options);
    if (!result.ok) {
      failures++;
      console.log(describeFailure(result));
      const kind = result.violation?.kind ?? 'unknown';
      byKind.set(kind, [...(byKind.get(kind) ?? []), seed]);
    }
    const now = performance.now();
    const done = seed - from + 1;
    if (now - lastReport > 5000 || done === count) {
      lastReport = now;
      const rate = done / ((now - started) / 1000);
      const eta = (count - done) / rate;
      console.log(`${done}/${count} seeds, ${failures} failed, ${rate.toFixed(1)} seeds/s, ${eta.toFixed(0)} s to go`);
    }
  }
  for (const [kind, seeds] of byKind) console.log(`${kind}: ${seeds.length} (seeds ${seeds.slice(0, 10).join(', ')}${seeds.length > 10 ? ', …' : ''})`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
