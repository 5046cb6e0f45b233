// Axis ticks that land on round numbers: of a binary unit for bytes (0, 20, 40, 60 MiB) instead of
// round decimal byte counts that read as 76.3 / 57.2 / 38.1 MiB, and plain round numbers for other
// values (0, 10, 20, 30 ms) where recharts would step by 9.

import { BYTE_UNITS } from '../../../node-runtime/common/units';

const STEPS = [1, 2, 2.5, 5, 10] as const;

/**
 * Up to about `count` ticks from 0 to at least `max`, `round`ed, each step 1, 2, 2.5 or 5 × 10ⁿ of
 * `unit` — a whole number of it when `wholeSteps` (bytes: 2.5 B or a quarter byte would round to
 * uneven ticks).
 */
function roundTicks(max: number, count: number, unit: number, wholeSteps: boolean, round: (value: number) => number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / unit / (count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fits = (s: number) => s * magnitude >= raw && (!wholeSteps || Number.isInteger(s * magnitude));
  const step = wholeSteps && raw < 1 ? 1 : (STEPS.find(fits) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; i += 1) ticks.push(round(i * step * unit));
  return ticks;
}

/** A value axis: its ticks and how each is labelled. */
export interface Axis {
  readonly ticks: number[];
  readonly label: (value: number) => string;
}

/**
 * A byte axis reaching past `max`: ticks in whole bytes, round numbers of the largest binary unit
 * `max` reaches, each labelled in that unit ("0 / 0.5 / 1 / 1.5 MiB"). Labelled one by one
 * (formatBytes), a tick below one MiB would read "512 KiB" beside "1.00 MiB": one axis, two units,
 * and steps that no longer look even.
 */
export function byteAxis(max: number, count = 5): Axis {
  let power = 0;
  while (power < BYTE_UNITS.length - 1 && max >= 1024 ** (power + 1)) power += 1;
  const unit = 1024 ** power;
  return { ticks: roundTicks(max, count, unit, power === 0, Math.round), label: (bytes) => `${Number((bytes / unit).toPrecision(12))} ${BYTE_UNITS[power]}` };
}

/** Decimal ticks (milliseconds, say), kept free of float noise (0.30000000000000004); the last is the axis's top. */
export function decimalTicks(max: number, count = 5): number[] {
  return roundTicks(max, count, 1, false, (value) => Number(value.toPrecision(12)));
}
