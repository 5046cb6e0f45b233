// The electron npm package as files on disk, read without importing 'electron': in plain Node
// that import downloads the binary on the spot, and throws where it cannot.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ElectronPackage {
  readonly dir: string;
  readonly version: string;
  /** The package's `engines.node`: what its installer (@electron/get) declares it needs. */
  readonly nodeRange: string | null;
  /** Electron's own installer: downloads (mirror, cache, checksums) and unpacks into `dir/dist`. */
  readonly installScript: string;
}

/** The electron package that `projectRoot` resolves, or null when it is not installed. */
export function findElectronPackage(projectRoot: string): ElectronPackage | null {
  let manifest: string;
  try {
    manifest = createRequire(path.join(projectRoot, 'package.json')).resolve('electron/package.json');
  } catch {
    return null;
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; engines?: { node?: string } };
  const dir = path.dirname(manifest);
  return { dir, version: pkg.version, nodeRange: pkg.engines?.node ?? null, installScript: path.join(dir, 'install.js') };
}

/** The binary the installer unpacked (`path.txt` names it inside `dist/`), or null before that. */
export function installedBinary(pkg: ElectronPackage): string | null {
  const pathFile = path.join(pkg.dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(pkg.dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}
