// Axis ticks that land on round numbers: of a binary unit for bytes (0, 20, 40, 60 MiB) instead of
// round decimal byte counts that read as 76.3 / 57.2 / 38.1 MiB, and plain round numbers for other
// values (0, 10, 20, 30 ms) where recharts would step by 9.

const BINARY_UNITS = [1, 2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40] as const;
const STEPS = [1, 2, 2.5, 5, 10] as const;

/** Up to about `count` ticks from 0 to at least `max`, `round`ed, each step 1, 2, 2.5 or 5 × 10ⁿ of the largest unit `max` reaches. */
function roundTicks(max: number, count: number, units: readonly number[], round: (value: number) => number): number[] {
  if (!(max > 0)) return [0];
  const unit = [...units].reverse().find((u) => max >= u) ?? 1;
  const raw = max / unit / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = (STEPS.find((s) => s * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; i += 1) ticks.push(round(i * step * unit));
  return ticks;
}

/** Byte ticks in whole bytes; the last tick is the axis's top. */
export function byteTicks(max: number, count = 5): number[] {
  return roundTicks(max, count, BINARY_UNITS, Math.round);
}

/** Decimal ticks (milliseconds, say), kept free of float noise (0.30000000000000004); the last is the axis's top. */
export function decimalTicks(max: number, count = 5): number[] {
  return roundTicks(max, count, [1], (value) => Number(value.toPrecision(12)));
}
