// The layering table in eslint.config.js is the architecture's import rules; these cases prove
// the rule refuses every edge the table leaves out (with the layer's reason in the message) and
// lets every listed edge through, so a broken table or rule cannot pass. The named cases are
// DESIGN.md's rules written out by hand, so a table that drifted from the spec fails here too.
import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error eslint.config.js is plain JavaScript without types.
import { knownViolations as untypedKnown, layers as untypedLayers } from '../../../eslint.config.js';
// @ts-expect-error the rule is plain JavaScript without types.
import { layeringPlugin } from '../../../scripts/lint/layering-rule.js';

interface Layer {
  readonly paths: readonly string[];
  readonly may: readonly string[];
  readonly why: string;
}
const layers = untypedLayers as Record<string, Layer>;
const knownViolations = untypedKnown as ReadonlyArray<{ file: string; imports: string; removedBy: string }>;

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

interface Finding {
  readonly ruleId: string;
  readonly message: string;
}

async function lint(filePath: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => ({ ruleId: m.ruleId ?? `fatal: ${m.message}`, message: m.message }));
}

/** A file that belongs to `layer`: its first path, or a file in it when that path is a folder. */
function fileIn(layer: string): string {
  const first = layers[layer]!.paths[0]!;
  return first.endsWith('/') ? `${first}x.ts` : first;
}

function importOf(from: string, to: string): string {
  let specifier = path.posix.relative(path.posix.dirname(from), to.replace(/\.ts$/, ''));
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  return `import { x } from '${specifier}';\nexport const y = x;\n`;
}

// Built, not written out, so that tools grepping the tree for electron imports find only real ones.
const ELECTRON = ['elec', 'tron'].join('');
const importsElectronApp = `import { app } from '${ELECTRON}';\nexport const a = app;\n`;

describe('the layering table refuses what DESIGN.md forbids', () => {
  const refused: Array<[string, string, string, string]> = [
    ['raft imports no storage', 'node-runtime/raft/x.ts', "import { x } from '../storage/wal';\nexport const y = x;\n", 'raft may not import storage'],
    ['fsm imports no services', 'node-runtime/fsm/x.ts', "import { x } from '../services/x';\nexport const y = x;\n", 'fsm may not import services'],
    ['raft imports no wiring', 'node-runtime/raft/x.ts', "import { x } from '../node/start-node';\nexport const y = x;\n", 'raft may not import node'],
    ['services never import api', 'node-runtime/services/x.ts', "import { x } from '../api/app';\nexport const y = x;\n", 'services may not import api'],
    ['services never import the wiring', 'node-runtime/services/x.ts', "import { x } from '../node/start-node';\nexport const y = x;\n", 'services may not import node'],
    ['api never imports storage', 'node-runtime/api/x.ts', "import { x } from '../storage/chunk-store';\nexport const y = x;\n", 'api may not import storage'],
    ['common imports nothing of the node', 'node-runtime/common/x.ts', "import { x } from '../raft/types';\nexport const y = x;\n", 'common may not import raft'],
    ['node-runtime never imports electron/', 'node-runtime/api/x.ts', "import { x } from '../../electron/manager/manager';\nexport const y = x;\n", 'api may not import manager'],
    ['node-runtime never imports renderer/', 'node-runtime/node/x.ts', "import { x } from '../../renderer/src/x';\nexport const y = x;\n", 'node may not import renderer'],
    ['the manager never imports electron/main', 'electron/manager/manager.ts', "import { x } from '../main/main';\nexport const y = x;\n", 'manager may not import main'],
    ['a manager room never imports electron/main', 'electron/manager/control-api/x.ts', "import { x } from '../../main/app-protocol';\nexport const y = x;\n", 'control-api may not import main'],
    ['the manager uses only node-runtime/common', 'electron/manager/clusters/x.ts', "import { x } from '../../../node-runtime/api/app';\nexport const y = x;\n", 'clusters may not import api'],
    ['a room never imports the assembly', 'electron/manager/watched/x.ts', "import { x } from '../manager';\nexport const y = x;\n", 'watched may not import manager'],
    ['the control API never drives processes', 'electron/manager/control-api/x.ts', "import { x } from '../supervision/node-supervisor';\nexport const y = x;\n", 'control-api may not import supervision'],
    ['renderer imports only node-runtime/common', 'renderer/src/x.ts', "import { x } from '../../node-runtime/raft/x';\nexport const y = x;\n", 'renderer may not import raft'],
    ['renderer never imports the manager', 'renderer/src/x.ts', "import { x } from '../../electron/manager/cluster-view/health';\nexport const y = x;\n", 'renderer may not import cluster-view'],
    ['electron/main uses only node-runtime/common', 'electron/main/x.ts', "import { x } from '../../node-runtime/services/x';\nexport const y = x;\n", 'main may not import services'],
    ['a layer imports nothing outside the table', 'node-runtime/api/x.ts', "import { x } from '../../test/cluster/harness';\nexport const y = x;\n", 'outside the layering table'],
    ['only electron/main imports electron', 'electron/manager/x.ts', importsElectronApp, "Only electron/main/ may import 'electron'"],
    ['tests never import electron', 'test/unit/x.test.ts', `import '${ELECTRON}';\n`, "Only electron/main/ may import 'electron'"],
    ['renderer imports no Node built-ins', 'renderer/src/x.ts', "import fs from 'node:fs';\nexport const y = fs;\n", "renderer may not import 'node:fs'"],
    ['common imports no bare built-ins', 'node-runtime/common/x.ts', "import path from 'path';\nexport const y = path;\n", "common may not import 'path'"],
    ['raft imports no fs', 'node-runtime/raft/x.ts', "import fs from 'node:fs';\nexport const y = fs;\n", "raft may not import 'node:fs'"],
    ['fsm imports no timers', 'node-runtime/fsm/x.ts', "import { setTimeout as t } from 'node:timers/promises';\nexport const y = t;\n", "fsm may not import 'node:timers/promises'"],
    ['raft imports no net', 'node-runtime/raft/x.ts', "import net from 'net';\nexport const y = net;\n", "raft may not import 'net'"],
    ['a dynamic import is an import too', 'node-runtime/raft/x.ts', "export const y = import('../transport/x');\n", 'raft may not import transport'],
    ['a re-export is an import too', 'node-runtime/fsm/x.ts', "export { x } from '../storage/x';\n", 'fsm may not import storage'],
  ];

  it.each(refused)('%s', async (_name, filePath, code, message) => {
    const findings = await lint(filePath, code);
    expect(findings.map((f) => f.ruleId)).toContain('layering/imports');
    expect(findings.map((f) => f.message).join('\n')).toContain(message);
  });

  it.each([
    ['raft calls no Date.now', 'node-runtime/raft/x.ts', 'export const t = Date.now();\n', 'no-restricted-syntax'],
    ['fsm calls no Math.random', 'node-runtime/fsm/x.ts', 'export const r = Math.random();\n', 'no-restricted-syntax'],
    ['raft uses no timers', 'node-runtime/raft/x.ts', 'export const h = setTimeout(() => undefined, 1);\n', 'no-restricted-globals'],
  ])('%s', async (_name, filePath, code, rule) => {
    expect((await lint(filePath, code)).map((f) => f.ruleId)).toContain(rule);
  });

  it.each([
    ['electron/main may import electron', 'electron/main/x.ts', importsElectronApp],
    ['renderer may import node-runtime/common', 'renderer/src/x.ts', "import { x } from '../../node-runtime/common/x';\nexport const y = x;\n"],
    ['storage may use the disk and the clock', 'node-runtime/storage/x.ts', "import fs from 'node:fs';\nexport const y = [fs, Date.now()];\n"],
    ['raft may use pure built-ins', 'node-runtime/raft/x.ts', "import { createHash } from 'node:crypto';\nexport const y = createHash;\n"],
    ['services may propose through the Raft driver', 'node-runtime/services/x.ts', "import type { RaftDriver } from '../node/raft-driver';\nexport type Y = RaftDriver;\n"],
    ['the wiring may import a folder index', 'node-runtime/node/x.ts', "import { x } from '../fsm';\nexport const y = x;\n"],
    ['tests may import any layer', 'test/unit/x.test.ts', "import { x } from '../../node-runtime/raft/raft';\nexport const y = x;\n"],
  ])('%s', async (_name, filePath, code) => {
    expect(await lint(filePath, code)).toEqual([]);
  });
});

describe('every edge between layers follows the table', () => {
  const names = Object.keys(layers);
  const edges = names.flatMap((from) => names.filter((to) => to !== from).map((to) => [from, to] as const));

  it('has every layer DESIGN.md names', () => {
    for (const name of ['raft', 'fsm', 'storage', 'transport', 'services', 'api', 'node', 's3', 'common', 'manager', 'main', 'renderer']) {
      expect(names).toContain(name);
    }
  });

  it.each(edges)('%s → %s', async (from, to) => {
    const findings = await lint(fileIn(from), importOf(fileIn(from), fileIn(to)));
    if (layers[from]!.may.includes(to)) {
      expect(findings).toEqual([]);
    } else {
      expect(findings).toHaveLength(1);
      expect(findings[0]!.ruleId).toBe('layering/imports');
      expect(findings[0]!.message).toContain(`${from} may not import ${to}`);
      expect(findings[0]!.message).toContain(layers[from]!.why);
    }
  });
});

describe('known violations', () => {
  // The table's rule without the exceptions, on the real files: each exception must still be needed.
  const strict = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { layering: layeringPlugin(root, layers) },
      rules: { 'layering/imports': 'error' },
    }],
  });

  it('are exactly the edges the node runtime still has against the table', async () => {
    const results = await strict.lintFiles([path.join(root, 'node-runtime/**/*.ts')]);
    const found = results.flatMap((result) =>
      result.messages.flatMap((m) => {
        const to = /may not import (\S+) \(/.exec(m.message)?.[1];
        return to === undefined ? [] : [`${path.relative(root, result.filePath)} imports ${to}`];
      }),
    );
    // An exception gone from the code? Then delete its line from knownViolations in eslint.config.js.
    expect(new Set(found)).toEqual(new Set(knownViolations.map((v) => `${v.file} imports ${v.imports}`)));
  }, 60_000);
});
