// The ESLint rule behind eslint.config.js's layering table: every import of a file in a layer is
// checked against the table, resolved by path (not by the spelling of the specifier), so
// '../api/x' from services/ and '../../node-runtime/api/x' from elsewhere are the same edge.
import { builtinModules } from 'node:module';
import path from 'node:path';

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const ioModules = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'timers', 'timers/promises', 'worker_threads', 'os', 'process'];
const io = new Set([...ioModules, ...ioModules.map((m) => `node:${m}`)]);

const CODE_EXTENSION = /\.(ts|tsx|js|mjs|cjs)$/;

/**
 * The `layering` plugin with its one rule, `imports`, for `layers` (see eslint.config.js).
 * @param {string} root the repository root; layer paths are relative to it
 * @param {Record<string, { paths: string[], may: string[], why: string, builtins?: 'none' | 'no-io', electron?: boolean }>} layers
 * @param {{ file: string, imports: string }[]} knownViolations edges let through for one file each
 */
export function layeringPlugin(root, layers, knownViolations = []) {
  // Most specific path first: node-runtime/node/raft-driver.ts before node-runtime/node/ before node-runtime/.
  const byPath = Object.entries(layers)
    .flatMap(([name, layer]) => layer.paths.map((p) => [p.replace(CODE_EXTENSION, ''), name]))
    .sort((a, b) => b[0].length - a[0].length);

  const relative = (absolute) => path.relative(root, absolute).split(path.sep).join('/');

  /** The layer an absolute path (with or without extension, or a folder) belongs to, or null. */
  function layerOf(absolute) {
    const rel = relative(absolute).replace(CODE_EXTENSION, '');
    for (const [prefix, name] of byPath) {
      if (prefix.endsWith('/') ? `${rel}/`.startsWith(prefix) : rel === prefix) return name;
    }
    return null;
  }

  const isKnown = (filename, to) => knownViolations.some((v) => v.file === relative(filename) && v.imports === to);

  function check(context, node, specifier) {
    if (typeof specifier !== 'string') return;
    const from = layerOf(context.filename);
    const layer = from === null ? null : layers[from];
    const report = (message) => context.report({ node, message });
    if (specifier === 'electron' || specifier.startsWith('electron/')) {
      if (!layer?.electron) report("Only electron/main/ may import 'electron' (plain Node would try to download the binary).");
      return;
    }
    if (layer === null) return;
    if (builtins.has(specifier)) {
      if (layer.builtins === 'none' || (layer.builtins === 'no-io' && io.has(specifier))) {
        report(`${from} may not import '${specifier}': ${layer.why}.`);
      }
      return;
    }
    if (!specifier.startsWith('.')) return;
    const to = layerOf(path.resolve(path.dirname(context.filename), specifier));
    if (to === from) return;
    if (to === null) {
      report(`${from} may not import '${specifier}': it lies outside the layering table in eslint.config.js.`);
    } else if (!layer.may.includes(to) && !isKnown(context.filename, to)) {
      const allowed = layer.may.length === 0 ? 'nothing outside itself' : layer.may.join(', ');
      report(`${from} may not import ${to} ('${specifier}'): ${layer.why}. ${from} may import ${allowed}.`);
    }
  }

  const rule = {
    meta: { type: 'problem', docs: { description: "imports follow eslint.config.js's layering table" }, schema: [] },
    create(context) {
      const source = (node) => check(context, node, node.source?.value);
      return {
        ImportDeclaration: source,
        ExportAllDeclaration: source,
        ExportNamedDeclaration: source,
        ImportExpression: source,
        TSImportType: (node) => check(context, node, node.argument?.literal?.value ?? node.argument?.value),
      };
    },
  };
  return { rules: { imports: rule } };
}
