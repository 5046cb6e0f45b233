// A setting's raw number in human units, shown beside its input ("10737418240" → "10.0 GiB").
import { formatBytes, formatDuration, formatMs, formatRate } from './units';

const UNIT_OF: Readonly<Record<string, 'bytes' | 'rate' | 'ms' | 'sec'>> = {
  storageQuota: 'bytes',
  chunkSize: 'bytes',
  diskReserveBytes: 'bytes',
  scrubRateBytesPerSec: 'rate',
  heartbeatInterval: 'ms',
  electionTimeout: 'ms',
  lockDefaultTtlMs: 'ms',
  bodyIdleTimeoutMs: 'ms',
  requestTimeoutMs: 'ms',
  maxFileBytes: 'bytes',
  scrubIntervalSec: 'sec',
};

export function settingHint(key: string, text: string): string {
  const unit = UNIT_OF[key];
  const value = Number(text);
  if (unit === undefined || text.trim() === '' || !Number.isFinite(value)) return '';
  switch (unit) {
    case 'bytes':
      return formatBytes(value);
    case 'rate':
      return value === 0 ? 'scrub off' : formatRate(value);
    case 'ms':
      return formatMs(value);
    case 'sec':
      return formatDuration(value * 1000);
  }
}
