import { describe, expect, it } from 'vitest';
import { validateConfigPatch } from '../../../node-runtime/common/config';
import { formatSetting, parseSetting } from '../../../node-runtime/common/setting-units';

describe('settings in human units', () => {
  it.each([
    ['storageQuota', '150MB', 150_000_000],
    ['storageQuota', '150 mb', 150_000_000],
    ['storageQuota', '4 MiB', 4 * 2 ** 20],
    ['storageQuota', '1.5 GiB', 1.5 * 2 ** 30],
    ['storageQuota', '1,048,576', 2 ** 20],
    ['scrubRateBytesPerSec', '16 MiB/s', 16 * 2 ** 20],
    ['heartbeatInterval', '300 ms', 300],
    ['heartbeatInterval', '1 s', 1000],
    ['heartbeatInterval', '250', 250],
    ['lockDefaultTtlMs', '2 min', 120_000],
    ['scrubIntervalSec', '1 h', 3600],
    ['scrubIntervalSec', '90', 90],
    ['snapshotThreshold', '10,000', 10_000],
  ])('reads %s "%s" as %d', (key, text, value) => {
    expect(parseSetting(key, text)).toEqual({ ok: true, value });
  });

  it.each([
    ['storageQuota', '1e3', 'write a size such as 150 MB, 4 MiB or 1 GiB'],
    ['storageQuota', '-5', 'write a size such as 150 MB, 4 MiB or 1 GiB'],
    ['storageQuota', '12 parsecs', 'write a size such as 150 MB, 4 MiB or 1 GiB'],
    ['storageQuota', '0.5 B', 'must be a whole number of bytes'],
    ['scrubIntervalSec', '500 ms', 'must be a whole number of seconds'],
    ['heartbeatInterval', 'fast', 'write a duration such as 300 ms, 1 s or 2 min'],
    ['snapshotThreshold', '10k', 'write a whole number such as 10,000'],
  ])('refuses %s "%s": %s', (key, text, message) => {
    expect(parseSetting(key, text)).toEqual({ ok: false, message });
  });

  it('shows each value exactly, in the largest unit that divides it', () => {
    expect(formatSetting('storageQuota', 10 * 2 ** 30)).toBe('10 GiB');
    expect(formatSetting('storageQuota', 150_000_000)).toBe('150 MB');
    expect(formatSetting('storageQuota', 1000)).toBe('1 KB');
    expect(formatSetting('storageQuota', 1001)).toBe('1,001 B');
    expect(formatSetting('scrubRateBytesPerSec', 16 * 2 ** 20)).toBe('16 MiB/s');
    expect(formatSetting('electionTimeout', 1500)).toBe('1,500 ms');
    expect(formatSetting('lockDefaultTtlMs', 30_000)).toBe('30 s');
    expect(formatSetting('scrubIntervalSec', 3600)).toBe('1 h');
    for (const [key, value] of [['storageQuota', 123_456_789], ['heartbeatInterval', 1234], ['scrubIntervalSec', 86_400]] as const) {
      expect(parseSetting(key, formatSetting(key, value))).toEqual({ ok: true, value });
    }
  });

  it('words range errors in the same voice and units, not the schema library’s', () => {
    const issues = (patch: object) => {
      const result = validateConfigPatch(patch);
      return result.ok ? [] : result.issues.map((i) => `${i.key}: ${i.message}`);
    };
    expect(issues({ electionTimeout: 10 })).toEqual(['electionTimeout: must be at least 50 ms']);
    expect(issues({ chunkSize: 100 * 2 ** 20 })).toEqual(['chunkSize: must be at most 64 MiB']);
    expect(issues({ chunkSize: 1.5 })).toEqual(['chunkSize: must be a whole number']);
    expect(issues({ recoveryEnabled: 'yes' })).toEqual(['recoveryEnabled: must be true or false']);
  });
});
