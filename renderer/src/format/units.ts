// Number formatting for people: sizes, rates, durations, moments.

import { formatBytes } from '../../../node-runtime/common/units';

export { formatBytes };

export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** "3 s", "4 min 12 s", "2 h 05 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const totalSec = Math.max(0, Math.floor(ms / 1000));
  if (totalSec < 60) return `${totalSec} s`;
  const min = Math.floor(totalSec / 60);
  if (min < 60) return `${min} min ${String(totalSec % 60).padStart(2, '0')} s`;
  const hours = Math.floor(min / 60);
  if (hours < 24) return `${hours} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Milliseconds as "850 ms" below ten seconds, otherwise as a duration. */
export function formatMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : formatDuration(ms);
}

/** A latency: two significant digits below ten milliseconds ("0.42 ms", "1.4 ms"), where whole milliseconds would read 0 or 1 for every fast request. */
export function formatLatency(ms: number): string {
  return ms < 9.95 ? `${Number(ms.toPrecision(2))} ms` : formatMs(ms);
}

/**
 * An axis tick in milliseconds, exactly as the tick is ("2.5 ms", "0.25 ms"), in seconds when the
 * axis's top tick reaches ten seconds, so one axis keeps one unit. formatMs rounds to whole
 * milliseconds, which would label ticks 0 / 2.5 / 5 / 7.5 / 10 as 0 / 3 / 5 / 8 / 10.
 */
export function formatMsTick(ms: number, axisTopMs: number): string {
  return axisTopMs < 10_000 ? `${Number(ms.toPrecision(12))} ms` : `${Number((ms / 1000).toPrecision(12))} s`;
}

export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false });
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2026-12-06 14:03:07.042", local time: a log line's moment, to the millisecond. */
export function formatLogTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
