// Lint keeps the node's wiring in dependency order (issue #16): a closure that uses a part
// declared further down fails `npm run lint`, as the old startNode's did; the same code in order passes.
import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIds(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, 'node-runtime/node/wiring-example.ts') });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

// The first lint loads the config and the TypeScript parser: seconds on a busy machine.
describe('the wiring order rule', { timeout: 60_000 }, () => {
  it('refuses a closure that uses a part declared below it', async () => {
    const code = ['export function wire(): () => number {', '  const read = (): number => store.size;', '  const store = new Map<string, number>();', '  return read;', '}', ''].join('\n');
    expect(await ruleIds(code)).toEqual(['@typescript-eslint/no-use-before-define']);
  });

  it('accepts the same parts built in dependency order', async () => {
    const code = ['export function wire(): () => number {', '  const store = new Map<string, number>();', '  const read = (): number => store.size;', '  return read;', '}', ''].join('\n');
    expect(await ruleIds(code)).toEqual([]);
  });
});

describe('the function length rule', { timeout: 60_000 }, () => {
  const fn = (lines: number) => ['export function long(): number {', '  let n = 0;', ...Array.from({ length: lines - 4 }, () => '  n += 1;'), '  return n;', '}', ''].join('\n');

  it('refuses a function over 100 lines in the node runtime', async () => {
    expect(await ruleIds(fn(101))).toEqual(['max-lines-per-function']);
  });

  it('accepts one of 100 lines', async () => {
    expect(await ruleIds(fn(100))).toEqual([]);
  });
});
