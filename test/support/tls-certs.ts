// A throwaway CA and node certificates made with the openssl command line, as an operator would
// make them (README, Security): the TLS tests run against real certificates, not mocked sockets.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  readonly caFile: string;
  readonly ca: Buffer;
  /** The PEM files of a certificate (for 127.0.0.1 and localhost) signed by the CA. */
  node(name: string): Promise<{ readonly certFile: string; readonly keyFile: string }>;
}

/** A new CA in `dir` (named `caName`); certificates from node() are signed by it. */
export async function makeTestCa(dir: string, caName = 'dfs-test-ca'): Promise<TestCerts> {
  const caKey = path.join(dir, `${caName}.key`);
  const caFile = path.join(dir, `${caName}.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${caName}`, '-keyout', caKey, '-out', caFile]);
  const ext = path.join(dir, 'san.ext');
  await run('sh', ['-c', `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > '${ext}'`]);
  // One signature at a time: -CAcreateserial reads and rewrites the CA's serial file, and two at
  // once can read it half-written ("Unable to load number", a CI rehearsal's failure).
  let signing: Promise<unknown> = Promise.resolve();
  return {
    caFile,
    ca: await readFile(caFile),
    async node(name) {
      const keyFile = path.join(dir, `${name}.key`);
      const csr = path.join(dir, `${name}.csr`);
      const certFile = path.join(dir, `${name}.crt`);
      await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr]);
      const signed = signing.then(() => run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-out', certFile, '-extfile', ext]));
      signing = signed.catch(() => undefined);
      await signed;
      return { certFile, keyFile };
    },
  };
}
