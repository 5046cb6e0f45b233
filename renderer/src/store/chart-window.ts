// The samples and leader changes inside the chosen time range, thinned to at most a few hundred
// points: an hour is 3,600 samples, more than a chart can show or redraw every second.
import type { LeaderChangeMark, MetricSample } from './state';

export const MAX_CHART_POINTS = 360;

export function chartWindow(samples: readonly MetricSample[], marks: readonly LeaderChangeMark[], rangeMs: number): { samples: MetricSample[]; marks: LeaderChangeMark[] } {
  const newest = samples.at(-1)?.time ?? 0;
  const since = newest - rangeMs;
  const inRange = samples.filter((s) => s.time >= since);
  const step = Math.ceil(inRange.length / MAX_CHART_POINTS);
  // Counted back from the newest sample, so the latest point is always drawn.
  const thinned = step <= 1 ? inRange : inRange.filter((_, i) => (inRange.length - 1 - i) % step === 0);
  return { samples: thinned, marks: marks.filter((m) => m.time >= since) };
}

/** Node ids seen in any sample's per-node map, in order. */
export function nodeIdsIn(samples: readonly MetricSample[], perNode: (s: MetricSample) => Readonly<Record<number, number>>): number[] {
  return [...new Set(samples.flatMap((s) => Object.keys(perNode(s)).map(Number)))].sort((a, b) => a - b);
}
