// Axis ticks for byte values that land on round numbers of a binary unit (0, 20, 40, 60 MiB)
// instead of round decimal byte counts that read as 76.3 / 57.2 / 38.1 MiB.

const UNITS = [1, 2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40] as const;
const STEPS = [1, 2, 2.5, 5, 10] as const;

/** Up to about `count` ticks from 0 to at least `max`; the last tick is the axis's top. */
export function byteTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const unit = [...UNITS].reverse().find((u) => max >= u) ?? 1;
  const raw = max / unit / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = (STEPS.find((s) => s * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let value = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; value += step * unit) ticks.push(Math.round(value));
  return ticks;
}
