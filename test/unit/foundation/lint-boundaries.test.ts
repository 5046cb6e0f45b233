// The import boundaries of DESIGN.md are lint rules; these cases prove each rule fires on a
// deliberate violation (and stays quiet on the allowed form), so a broken config cannot pass.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

// Built, not written out, so that tools grepping the tree for electron imports find only real ones.
const ELECTRON = ['elec', 'tron'].join('');
const importsElectronApp = `import { app } from '${ELECTRON}';\nexport const a = app;\n`;

const violations: Array<[string, string, string, string]> = [
  ['only electron/main imports electron', 'electron/manager/x.ts', importsElectronApp, 'no-restricted-imports'],
  ['tests never import electron', 'test/unit/x.test.ts', `import '${ELECTRON}';\n`, 'no-restricted-imports'],
  ['node-runtime never imports electron/', 'node-runtime/api/x.ts', "import { x } from '../../electron/manager/x';\nexport const y = x;\n", 'no-restricted-imports'],
  ['node-runtime never imports renderer/', 'node-runtime/api/x.ts', "import { x } from '../../renderer/src/x';\nexport const y = x;\n", 'no-restricted-imports'],
  ['renderer imports no Node built-ins', 'renderer/src/x.ts', "import fs from 'node:fs';\nexport const y = fs;\n", 'no-restricted-imports'],
  ['renderer imports no bare built-ins', 'renderer/src/x.ts', "import path from 'path';\nexport const y = path;\n", 'no-restricted-imports'],
  ['renderer imports only node-runtime/common', 'renderer/src/x.ts', "import { x } from '../../node-runtime/raft/x';\nexport const y = x;\n", 'no-restricted-imports'],
  ['raft imports no fs', 'node-runtime/raft/x.ts', "import fs from 'node:fs';\nexport const y = fs;\n", 'no-restricted-imports'],
  ['fsm imports no timers', 'node-runtime/fsm/x.ts', "import { setTimeout as t } from 'node:timers/promises';\nexport const y = t;\n", 'no-restricted-imports'],
  ['raft imports no net', 'node-runtime/raft/x.ts', "import net from 'net';\nexport const y = net;\n", 'no-restricted-imports'],
  ['raft imports no storage', 'node-runtime/raft/x.ts', "import { x } from '../storage/wal';\nexport const y = x;\n", 'no-restricted-imports'],
  ['raft calls no Date.now', 'node-runtime/raft/x.ts', 'export const t = Date.now();\n', 'no-restricted-syntax'],
  ['fsm calls no Math.random', 'node-runtime/fsm/x.ts', 'export const r = Math.random();\n', 'no-restricted-syntax'],
  ['raft uses no timers', 'node-runtime/raft/x.ts', 'export const h = setTimeout(() => undefined, 1);\n', 'no-restricted-globals'],
];

describe('lint enforces the import boundaries', () => {
  it.each(violations)('%s', async (_name, filePath, code, rule) => {
    expect(await ruleIdsFor(filePath, code)).toContain(rule);
  });

  it.each([
    ['electron/main may import electron', 'electron/main/x.ts', importsElectronApp],
    ['renderer may import node-runtime/common', 'renderer/src/x.ts', "import { x } from '../../node-runtime/common/x';\nexport const y = x;\n"],
    ['storage may use the disk and the clock', 'node-runtime/storage/x.ts', "import fs from 'node:fs';\nexport const y = [fs, Date.now()];\n"],
  ])('%s', async (_name, filePath, code) => {
    expect(await ruleIdsFor(filePath, code)).toEqual([]);
  });
});
