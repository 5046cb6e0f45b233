// How the repository's commands start in a checkout: from their bundle when it is at least as
// new as every source file of the runtime (no TypeScript compiler at start-up), else from the
// TypeScript sources through tsx, so an edit takes effect without a rebuild.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function newestSourceMtime() {
  let newest = 0;
  for (const entry of readdirSync(`${root}/node-runtime`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** `bundle` and `source` are paths from the repository's root. */
export async function runCommand({ bundle, source }) {
  const bundleMtime = mtimeOf(`${root}/${bundle}`);
  if (bundleMtime !== null && bundleMtime >= newestSourceMtime()) {
    await import(pathToFileURL(`${root}/${bundle}`).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(`${root}/${source}`).href);
}
