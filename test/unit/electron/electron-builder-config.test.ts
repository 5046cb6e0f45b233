// electron-builder.yml, checked without building installers (no Electron download here): valid
// against electron-builder's own JSON schema (app-builder-lib/scheme.json, the schema it validates
// with), the hardening and targets we promise, and every path it names present after a build —
// including the node runtime where main.ts looks for it in a packaged app.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../../electron/main/app-paths';
import { repoRoot } from '../../cluster/harness';

// electron-builder's own dependencies: the YAML parser and the validator it uses for this file.
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const Ajv = require('ajv') as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null } };

interface FileSet {
  readonly from: string;
  readonly to?: string;
  readonly filter?: readonly string[];
}

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  extraResources: FileSet[];
  asar: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
}

const config = yaml.load(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

let compiled: ReturnType<InstanceType<typeof Ajv>['compile']> | null = null;
/** The schema takes seconds to compile: once per run. */
function schemaValidator() {
  compiled ??= new Ajv({ strict: false, allowUnionTypes: true, allErrors: true }).compile(
    JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object,
  );
  return compiled;
}

/** electron-builder's glob subset: `**` any depth, `*` within a segment, `!` excludes. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function filesUnder(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === '.git' ? [] : filesUnder(full, base);
    return [path.relative(base, full).split(path.sep).join('/')];
  });
}

function included(patterns: readonly string[], candidates: readonly string[]): string[] {
  const positive = patterns.filter((p) => !p.startsWith('!')).map(globToRegExp);
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)));
  return candidates.filter((file) => positive.some((re) => re.test(file)) && !negative.some((re) => re.test(file)));
}

function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own JSON schema', { timeout: 30_000 }, () => {
    const validate = schemaValidator();
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the validator does reject a broken config (the check is not vacuous)', () => {
    const validate = schemaValidator();
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).toBe(false);
    expect(validate({ ...config, asar: 'yes' })).toBe(false);
  });

  it('names the app and builds AppImage + deb, dmg and NSIS', () => {
    expect(config.appId).toBe('dev.dfs.desktop');
    expect(config.productName).toBe('DFS Desktop');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('flips the hardening fuses: no run-as-node, no NODE_OPTIONS or --inspect, code only from the asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('uses icons from assets/ that are big enough for every platform (≥ 512 px)', () => {
    expect(statSync(path.join(repoRoot, config.directories.buildResources)).isDirectory()).toBe(true);
    for (const icon of new Set([config.linux.icon, config.mac.icon, config.win.icon])) {
      expect(icon.startsWith('assets/')).toBe(true);
      const { width, height } = pngSize(path.join(repoRoot, icon));
      expect(Math.min(width, height)).toBeGreaterThanOrEqual(512);
    }
  });
});

describe('electron-builder.yml after the build', () => {
  beforeAll(() => {
    // Only the esbuild targets (fast, and they leave the rest of dist/ alone); the dashboard is
    // built by Vite only when it is missing.
    execFileSync(process.execPath, ['scripts/build.js', 'electron', 'node'], { cwd: repoRoot, stdio: 'pipe' });
    if (!existsSync(path.join(repoRoot, 'dist/renderer/index.html'))) {
      execFileSync(process.execPath, ['scripts/build.js', 'renderer'], { cwd: repoRoot, stdio: 'pipe' });
    }
  }, 180_000);

  const candidates = () => [...filesUnder(path.join(repoRoot, 'dist')).map((f) => `dist/${f}`), ...filesUnder(path.join(repoRoot, 'assets')).map((f) => `assets/${f}`), 'package.json'];

  it('every `files` pattern matches something, and the app’s entry points are all in the archive', () => {
    for (const pattern of config.files.filter((p) => !p.startsWith('!'))) {
      expect(included([pattern], candidates()), pattern).not.toEqual([]);
    }
    const packed = included(config.files, candidates());
    const main = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string }).main;
    for (const needed of [main, 'dist/electron/preload.cjs', 'dist/renderer/index.html', 'assets/icon.png', 'package.json']) {
      expect(packed, needed).toContain(needed);
    }
    expect(packed.some((f) => f.endsWith('.map'))).toBe(false);
    expect(packed.some((f) => f.startsWith('dist/node/'))).toBe(false);
  });

  it('puts everything main.ts looks for, in a packaged app, where the config ships it', () => {
    const resources = '/opt/DFS Desktop/resources';
    const packaged = appPaths({ packaged: true, resourcesPath: resources, appPath: path.join(resources, 'app.asar') });
    const packed = included(config.files, candidates());
    for (const inArchive of [packaged.rendererDir + '/index.html', packaged.preload, packaged.icon]) {
      expect(packed).toContain(path.relative(path.join(resources, 'app.asar'), inArchive).split(path.sep).join('/'));
    }
    const [runtime] = config.extraResources;
    expect(runtime).toBeDefined();
    const shipped = (runtime!.filter ?? ['**']).flatMap((pattern) => included([pattern], filesUnder(path.join(repoRoot, runtime!.from))));
    expect(shipped).toContain('dfs-node.mjs');
    expect(path.join(resources, runtime!.to ?? '', 'dfs-node.mjs')).toBe(packaged.nodeCommand.modulePath);
  });

  it('ships no node_modules, so the main bundle must need none: it requires only Node built-ins and electron', () => {
    expect(config.files).toContain('!node_modules/**');
    const allowed = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'electron']);
    for (const bundle of ['dist/electron/main.cjs', 'dist/electron/preload.cjs']) {
      const text = readFileSync(path.join(repoRoot, bundle), 'utf8');
      const required = [...text.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]!);
      expect(required.filter((name) => !allowed.has(name)), bundle).toEqual([]);
    }
    const preload = readFileSync(path.join(repoRoot, 'dist/electron/preload.cjs'), 'utf8');
    // A sandboxed preload may require only 'electron' (and a few polyfilled built-ins).
    expect([...preload.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2])).toEqual(['electron']);
  });
});
