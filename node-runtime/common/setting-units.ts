// Settings in human units: "150 MB", "4 MiB", "300 ms", "1 h", "16 MiB/s". The dashboard shows and
// accepts them; the nodes word their range errors with them. Values on the wire stay plain numbers.

import type { SettingKey } from './config';

export type SettingUnit = 'bytes' | 'bytesPerSec' | 'ms' | 'sec' | 'count';

export const SETTING_UNITS: Readonly<Partial<Record<SettingKey, SettingUnit>>> = {
  storageQuota: 'bytes',
  maxFileBytes: 'bytes',
  chunkSize: 'bytes',
  inlineMaxBytes: 'bytes',
  diskReserveBytes: 'bytes',
  scrubRateBytesPerSec: 'bytesPerSec',
  heartbeatInterval: 'ms',
  electionTimeout: 'ms',
  lockDefaultTtlMs: 'ms',
  bodyIdleTimeoutMs: 'ms',
  requestTimeoutMs: 'ms',
  maxHeaderBytes: 'bytes',
  leaderWaitMs: 'ms',
  scrubIntervalSec: 'sec',
  snapshotThreshold: 'count',
  maxConcurrentUploads: 'count',
};

export function unitOf(key: string): SettingUnit | undefined {
  return (SETTING_UNITS as Readonly<Record<string, SettingUnit>>)[key];
}

const SIZE_FACTORS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40,
};
const MS_FACTORS: Readonly<Record<string, number>> = {
  ms: 1, s: 1e3, sec: 1e3, second: 1e3, seconds: 1e3, m: 6e4, min: 6e4, minute: 6e4, minutes: 6e4,
  h: 36e5, hr: 36e5, hour: 36e5, hours: 36e5, d: 864e5, day: 864e5, days: 864e5,
};
/** Largest first: a value is shown in the largest unit that divides it exactly. */
const SIZE_DISPLAY: readonly [number, string][] = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'KB']];
const MS_DISPLAY: readonly [number, string][] = [[864e5, 'd'], [36e5, 'h'], [6e4, 'min'], [1e3, 's']];

const grouped = (n: number) => n.toLocaleString('en-US');

function exactly(value: number, units: readonly [number, string][], base: string): string {
  if (value !== 0) for (const [factor, name] of units) if (value % factor === 0) return `${grouped(value / factor)} ${name}`;
  return `${grouped(value)} ${base}`;
}

/** A setting's value as a person writes it: exact, in the largest unit that fits ("4 MiB", "1 h"). */
export function formatSetting(key: string, value: number): string {
  switch (unitOf(key)) {
    case 'bytes':
      return exactly(value, SIZE_DISPLAY, 'B');
    case 'bytesPerSec':
      return `${exactly(value, SIZE_DISPLAY, 'B')}/s`;
    case 'ms':
      return exactly(value, MS_DISPLAY, 'ms');
    case 'sec':
      return exactly(value * 1000, MS_DISPLAY, 's');
    default:
      return grouped(value);
  }
}

export type ParsedSetting = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

const EXAMPLES: Readonly<Record<SettingUnit, string>> = {
  bytes: 'a size such as 150 MB, 4 MiB or 1 GiB',
  bytesPerSec: 'a rate such as 16 MiB/s',
  ms: 'a duration such as 300 ms, 1 s or 2 min',
  sec: 'a duration such as 90 s, 10 min or 1 h',
  count: 'a whole number such as 10,000',
};
const WHOLE: Readonly<Record<SettingUnit, string>> = {
  bytes: 'a whole number of bytes',
  bytesPerSec: 'a whole number of bytes per second',
  ms: 'a whole number of milliseconds',
  sec: 'a whole number of seconds',
  count: 'a whole number',
};

/** Reads what a person typed ("150MB", "1.5 GiB", "300 ms", "10,000"); refuses "1e3" and the like. */
export function parseSetting(key: string, text: string): ParsedSetting {
  const unit = unitOf(key) ?? 'count';
  const cleaned = text.trim().replace(/(\d)[,_](?=\d{3}\b)/g, '$1');
  const withoutPerSecond = unit === 'bytesPerSec' ? cleaned.replace(/\s*\/\s*s(ec)?$/i, '') : cleaned;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(withoutPerSecond);
  const factors = unit === 'ms' || unit === 'sec' ? MS_FACTORS : unit === 'count' ? { '': 1 } : SIZE_FACTORS;
  const suffix = match?.[2]?.toLowerCase() ?? '';
  const factor = suffix === '' ? (unit === 'sec' ? 1e3 : 1) : (factors as Readonly<Record<string, number>>)[suffix];
  if (match === null || factor === undefined) return { ok: false, message: `write ${EXAMPLES[unit]}` };
  const base = Number(match[1]) * factor;
  const value = unit === 'sec' ? base / 1000 : base;
  const rounded = Math.round(value);
  if (Math.abs(value - rounded) > 1e-6) return { ok: false, message: `must be ${WHOLE[unit]}` };
  if (!Number.isSafeInteger(rounded)) return { ok: false, message: 'is too large' };
  return { ok: true, value: rounded };
}
