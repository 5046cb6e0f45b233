// A distinct colour per term, so "which election wrote this" reads at a glance (as in RaftScope).

/** The golden angle spreads consecutive terms far apart on the colour wheel. */
export function termColour(term: number | null): string {
  if (term === null || term < 0) return 'var(--text-muted)';
  return `hsl(${Math.round((term * 137.508) % 360)} 62% 46%)`;
}
