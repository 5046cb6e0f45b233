import { describe, expect, it } from 'vitest';
import { formatLatency } from '../../../renderer/src/format/units';

describe('latency for people', () => {
  it('keeps two significant digits below ten milliseconds, whole milliseconds above, a duration from ten seconds', () => {
    expect(formatLatency(0.4234)).toBe('0.42 ms');
    expect(formatLatency(1.44)).toBe('1.4 ms');
    expect(formatLatency(0)).toBe('0 ms');
    expect(formatLatency(9.96)).toBe('10 ms');
    expect(formatLatency(27.6)).toBe('28 ms');
    expect(formatLatency(12_400)).toBe('12 s');
  });
});
