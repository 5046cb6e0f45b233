// Byte counts for people ("1.50 MiB") and the quota sentence, shared by the nodes' error messages
// and the dashboard so both say the same thing the same way.

/** Binary units: BYTE_UNITS[i] is 1024^i bytes. */
export const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** "<what> would exceed the quota: 9.00 MiB of 10.0 MiB used, 1.00 MiB free". */
export function quotaText(what: string, used: number, limit: number): string {
  return `${what} would exceed the quota: ${formatBytes(used)} of ${formatBytes(limit)} used, ${formatBytes(Math.max(0, limit - used))} free`;
}
