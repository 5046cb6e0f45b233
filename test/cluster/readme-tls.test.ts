// The README's "A TLS cluster, step by step", run as written: its openssl commands in an empty
// temp directory, its three node commands (each in its own shell, as in its own terminal), then
// its curl commands. Only the ports change (free ones instead of 8081–8083 and 3030–3032), and
// `npx dfs-node` runs this checkout's bin/dfs-node.js, which is what npx finds in a checkout.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTrusting } from '../support/https-fetch';
import { freePort, repoRoot, waitFor } from './harness';

const run = promisify(execFile);

/** The bash block after `<!-- readme-tls: <name> -->` in the README. */
function readmeBlock(readme: string, name: string): string {
  const marker = `<!-- readme-tls: ${name} -->\n\`\`\`bash\n`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README has no "${name}" block of the TLS example`);
  const body = start + marker.length;
  return readme.slice(body, readme.indexOf('\n```', body));
}

let dir: string;
let readme: string;
let ports: Map<string, number>;
const nodes: ChildProcess[] = [];

/** The README's text with each of its ports replaced by a free one, and npx dfs-node by this checkout's bin. */
function localized(text: string): string {
  let out = text.replaceAll('npx dfs-node', `node ${path.join(repoRoot, 'bin/dfs-node.js')}`);
  for (const [port, free] of ports) out = out.replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${free}`);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-readme-tls-'));
  readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  ports = new Map();
  for (const port of ['8081', '8082', '8083', '3030', '3031', '3032']) ports.set(port, await freePort());
});

afterAll(async () => {
  await Promise.all(
    nodes.map((child) =>
      child.exitCode !== null || child.signalCode !== null || child.pid === undefined ? undefined : new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        process.kill(-(child.pid as number), 'SIGKILL');
      }),
    ),
  );
  await rm(dir, { recursive: true, force: true });
});

describe('README: a TLS cluster, step by step', () => {
  it('makes the CA, the node certificates, the token and the secret with openssl', async () => {
    await run('bash', ['-euo', 'pipefail', '-c', readmeBlock(readme, 'certificates')], { cwd: dir });
    for (const file of ['ca.crt', 'node1.crt', 'node2.key', 'node3.crt', 'api-token', 'cluster-secret']) {
      expect((await readFile(path.join(dir, file), 'utf8')).length, file).toBeGreaterThan(0);
    }
  });

  it('starts the three nodes with the README\'s commands, and they elect a leader over TLS', async () => {
    const lines = readmeBlock(readme, 'nodes').split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(3);
    for (const [index, line] of lines.entries()) {
      // Its own process group, so the node goes with its shell when the test ends.
      const child = spawn('bash', ['-c', localized(line)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const log = createWriteStream(path.join(dir, `node-${index + 1}.log`));
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      nodes.push(child);
    }
    const trusting = fetchTrusting(await readFile(path.join(dir, 'ca.crt')));
    const token = (await readFile(path.join(dir, 'api-token'), 'utf8')).trim();
    const leaderOf = async (port: string): Promise<number | null> => {
      const res = await trusting(`https://127.0.0.1:${ports.get(port)}/leader`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { leaderId: number | null }).leaderId;
    };
    await waitFor('every node to report the same leader', async () => {
      const views = await Promise.all(['8081', '8082', '8083'].map(leaderOf));
      return views[0] !== null && views.every((v) => v === views[0]);
    }, 60_000);
  });

  it('serves the write and the linearizable read over HTTPS to curl --cacert, and refuses plain HTTP', async () => {
    // A newline after each answer (the node's JSON has none), so each command's answer is one line.
    const script = `curl() { command curl "$@"; echo; }\n${localized(readmeBlock(readme, 'use'))}`;
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir });
    const answers = stdout.split('\n').filter((line) => line !== '');
    expect(JSON.parse(answers[0] ?? '')).toMatchObject({ leaderUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) });
    expect(JSON.parse(answers[1] ?? '')).toMatchObject({ name: 'hello.txt', size: 15 });
    expect(answers[2]).toBe('hello over TLS');
    expect(JSON.parse(answers[3] ?? '')).toMatchObject({ error: 'tls_required' });
  });
});
