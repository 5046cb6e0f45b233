// Reads --tls-cert, --tls-key and --tls-ca once at start. A file that cannot be read, or that is
// not PEM, stops the start with one line naming it (rather than a TLS error on the first request).
import { readFile } from 'node:fs/promises';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { TlsMaterial } from '../transport/tls';
import type { TlsFiles } from './cli-options';
import { StartupError } from './config-file';

export async function loadTlsMaterial(files: TlsFiles | undefined): Promise<TlsMaterial | null> {
  if (files === undefined) return null;
  const [cert, key, ca] = await Promise.all([read(files.cert, '--tls-cert'), read(files.key, '--tls-key'), read(files.ca, '--tls-ca')]);
  parseOrStop(() => new X509Certificate(cert), `--tls-cert ${files.cert} is not a PEM certificate`);
  parseOrStop(() => createPrivateKey(key), `--tls-key ${files.key} is not a PEM private key`);
  parseOrStop(() => new X509Certificate(ca), `--tls-ca ${files.ca} is not a PEM certificate`);
  return { cert, key, ca };
}

async function read(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new StartupError(`cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function parseOrStop(parse: () => unknown, message: string): void {
  try {
    parse();
  } catch {
    throw new StartupError(message);
  }
}
