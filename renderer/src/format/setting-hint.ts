// What a typed setting comes to, shown beside its input ("1.5 GiB" → "= 1,610,612,736 bytes").
import { parseSetting, unitOf } from '../../../node-runtime/common/setting-units';
import { formatCount } from './units';

const BASE: Readonly<Record<string, string>> = { bytes: 'bytes', bytesPerSec: 'bytes/s', ms: 'ms', sec: 's' };

export function settingHint(key: string, text: string): string {
  const unit = unitOf(key);
  if (unit === undefined || unit === 'count' || text.trim() === '') return '';
  const parsed = parseSetting(key, text);
  if (!parsed.ok) return '';
  if (unit === 'bytesPerSec' && parsed.value === 0) return 'check off';
  return `= ${formatCount(parsed.value)} ${BASE[unit]}`;
}
