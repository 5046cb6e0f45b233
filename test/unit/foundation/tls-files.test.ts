// The --tls-* files are read once at start, on real files made by openssl: a file that is missing,
// or is not PEM of the right kind, stops the start with one line naming the flag and the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../../node-runtime/node/config-file';
import { loadTlsMaterial } from '../../../node-runtime/node/tls-files';
import { makeTestCa } from '../../support/tls-certs';

let dir: string;
let files: { cert: string; key: string; ca: string };
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-tls-files-'));
  const certs = await makeTestCa(dir);
  const node = await certs.node('node1');
  files = { cert: node.certFile, key: node.keyFile, ca: certs.caFile };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTlsMaterial', () => {
  it('is null without TLS flags, and the three files as read with them', async () => {
    expect(await loadTlsMaterial(undefined)).toBeNull();
    const tls = await loadTlsMaterial(files);
    expect(tls?.cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls?.key.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tls?.ca.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('stops the start with one line for a missing file or one that is not PEM', async () => {
    const junk = path.join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate\n');
    await expect(loadTlsMaterial({ ...files, ca: path.join(dir, 'nope.crt') })).rejects.toThrow(new StartupError(`cannot read --tls-ca ${path.join(dir, 'nope.crt')}: ENOENT`));
    await expect(loadTlsMaterial({ ...files, cert: junk })).rejects.toThrow(`--tls-cert ${junk} is not a PEM certificate`);
    await expect(loadTlsMaterial({ ...files, key: files.cert })).rejects.toThrow(`--tls-key ${files.cert} is not a PEM private key`);
    await expect(loadTlsMaterial({ ...files, ca: files.key })).rejects.toThrow(StartupError);
  });
});
