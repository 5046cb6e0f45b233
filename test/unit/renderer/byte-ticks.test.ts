import { describe, expect, it } from 'vitest';
import { byteAxis, decimalTicks } from '../../../renderer/src/format/byte-ticks';

const byteTicks = (max: number) => byteAxis(max).ticks;
import { formatMsTick } from '../../../renderer/src/format/units';

const MiB = 2 ** 20;

describe('byte axis ticks', () => {
  it('land on round numbers of a binary unit and reach past the largest value', () => {
    expect(byteTicks(80_000_000)).toEqual([0, 20, 40, 60, 80].map((n) => n * MiB));
    expect(byteTicks(3.3 * MiB)).toEqual([0, 1, 2, 3, 4].map((n) => n * MiB));
    expect(byteTicks(5 * 2 ** 30)).toEqual([0, 2, 4, 6].map((n) => n * 2 ** 30));
    expect(byteTicks(700)).toEqual([0, 200, 400, 600, 800]);
    expect(byteTicks(0)).toEqual([0]);
  });

  it('never gives more than a handful of ticks, whatever the value', () => {
    for (let max = 1; max < 2 ** 45; max = max * 3 + 7) {
      const ticks = byteTicks(max);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
    }
  });

  it('label every tick of one axis in the unit the ticks step in (CI saw 0 B/s / 512 KiB/s / 1.00 MiB/s / 1.50 MiB/s)', () => {
    const labels = (max: number) => {
      const axis = byteAxis(max);
      return axis.ticks.map(axis.label);
    };
    expect(labels(1.4 * MiB)).toEqual(['0 MiB', '0.5 MiB', '1 MiB', '1.5 MiB']);
    expect(labels(80_000_000)).toEqual(['0 MiB', '20 MiB', '40 MiB', '60 MiB', '80 MiB']);
    expect(labels(700)).toEqual(['0 B', '200 B', '400 B', '600 B', '800 B']);
    expect(labels(0)).toEqual(['0 B']);
    for (let max = 1; max < 2 ** 45; max = max * 1.37 + 7) {
      const axis = byteAxis(max);
      const shown = axis.ticks.map(axis.label);
      expect(new Set(shown.map((label) => label.split(' ')[1])).size, shown.join(' / ')).toBe(1);
      const values = shown.map((label) => Number.parseFloat(label));
      const step = (values[1] ?? 0) - (values[0] ?? 0);
      values.forEach((value, i) => expect(value).toBeCloseTo(i * step, 9));
      if (values.length > 1) expect(Number(step.toPrecision(2))).toBe(step);
    }
  });

  it('in plain numbers step by 1, 2, 2.5 or 5 times a power of ten, fractions without float noise', () => {
    expect(decimalTicks(36)).toEqual([0, 10, 20, 30, 40]);
    expect(decimalTicks(47)).toEqual([0, 20, 40, 60]);
    expect(decimalTicks(0.9)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(decimalTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(decimalTicks(0)).toEqual([0]);
  });

  it('label millisecond ticks as they are, so the labels step as evenly as the ticks (CI saw 0 / 3 / 5 / 8 / 10 ms)', () => {
    const labels = (max: number) => decimalTicks(max).map((tick, _, ticks) => formatMsTick(tick, ticks.at(-1) ?? 0));
    expect(labels(9.7)).toEqual(['0 ms', '2.5 ms', '5 ms', '7.5 ms', '10 ms']);
    expect(labels(0.9)).toEqual(['0 ms', '0.25 ms', '0.5 ms', '0.75 ms', '1 ms']);
    expect(labels(47_000)).toEqual(['0 s', '20 s', '40 s', '60 s']);
    for (let max = 0.001; max < 1e6; max = max * 1.37 + 0.0003) {
      const ticks = decimalTicks(max);
      const perMs = (ticks.at(-1) ?? 0) < 10_000 ? 1 : 1000;
      labels(max).forEach((label, i) => expect(Number.parseFloat(label) * perMs).toBeCloseTo(ticks[i] as number, 9));
    }
  });
});
