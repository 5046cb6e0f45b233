// WCAG AA contrast (4.5:1 for text) of the theme's text colours on their backgrounds, in the light
// and the dark theme, and of the white labels on every term colour of the Raft view.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { termColour } from '../../../renderer/src/views/raft/term-colour';
import { repoRoot } from '../../cluster/harness';

const css = readFileSync(path.join(repoRoot, 'renderer/src/styles/theme.css'), 'utf8');
const darkStart = css.indexOf('@media (prefers-color-scheme: dark)');

function palette(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] as string, m[2] as string]));
}
const light = palette(css.slice(0, darkStart));
const dark = { ...light, ...palette(css.slice(darkStart)) };

const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
function luminanceOfHex(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

const PAIRS: readonly [string, string][] = [
  ['text', 'bg'], ['text', 'surface'], ['text', 'surface-2'],
  ['text-muted', 'bg'], ['text-muted', 'surface'], ['text-muted', 'surface-2'],
  ['ok', 'ok-bg'], ['warn', 'warn-bg'], ['bad', 'bad-bg'], ['leader', 'leader-bg'],
  ['accent-text', 'accent'], ['accent', 'surface'], ['bad', 'surface'], ['leader', 'surface'],
];

describe('colour contrast (WCAG AA)', () => {
  for (const [name, theme] of [['light', light], ['dark', dark]] as const) {
    it.each(PAIRS)(`${name}: --%s on --%s is at least 4.5:1`, (fg, bg) => {
      expect(contrast(luminanceOfHex(theme[fg] as string), luminanceOfHex(theme[bg] as string))).toBeGreaterThanOrEqual(4.5);
    });
  }

  it('white labels on every term colour are at least 4.5:1', () => {
    for (let term = 0; term < 200; term += 1) expect(contrast(1, luminanceOfHex(termColour(term))), `term ${term}`).toBeGreaterThanOrEqual(4.5);
  });
});
