// `npm run cluster`: a local three-node cluster, headless, on the seed's ports (HTTP 8081–8083,
// peers 3030–3032), each node also serving S3 (9000–9002). Prints where each node listens and
// which one leads; Ctrl-C stops all three. DFS_HTTP_PORTS / DFS_PEER_PORTS / DFS_S3_PORTS
// ("a,b,c") move it elsewhere, e.g. for tests. S3 credentials come from DFS_S3_ACCESS_KEY and
// DFS_S3_SECRET_KEY, else from s3-credentials.json in the data directory (generated once). It takes the same
// cluster lock as the desktop manager, so the two never run the nodes of one data dir together.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterBusyError, ClusterLock } from '../electron/manager/supervision/cluster-lock';

const root = fileURLToPath(new URL('..', import.meta.url));
const ports = (env: string | undefined, seed: number[]): number[] => (env ? env.split(',').map(Number) : seed);
const httpPorts = ports(process.env.DFS_HTTP_PORTS, [8081, 8082, 8083]);
const peerPorts = ports(process.env.DFS_PEER_PORTS, [3030, 3031, 3032]);
const s3Ports = ports(process.env.DFS_S3_PORTS, [9000, 9001, 9002]);
const cluster = peerPorts.map((port, index) => `${index + 1},127.0.0.1:${port}`).join(';');
const dataDir = process.env.STORAGE_PATH ?? path.join(root, 'data', 'cluster');
// One secret per run authenticates peer traffic; it travels by environment, never argv.
const secret = process.env.DFS_CLUSTER_SECRET ?? randomBytes(24).toString('base64url');

const lock = await ClusterLock.acquire(dataDir, 'script').catch((err: unknown) => {
  if (!(err instanceof ClusterBusyError)) throw err;
  console.error(`Cannot start: ${err.message}. Stop it first, or use its dashboard.`);
  process.exit(1);
});

// Refuse early and clearly when the seed's ports are taken, rather than report another cluster.
const busy: number[] = [];
for (const port of [...httpPorts, ...peerPorts, ...s3Ports]) {
  if (!(await portIsFree(port))) busy.push(port);
}
if (busy.length > 0) {
  console.error(`Ports ${busy.join(', ')} are in use (is another cluster running?). Stop it first; this command uses ports ${httpPorts.join(', ')}, ${peerPorts.join(', ')} and ${s3Ports.join(', ')}.`);
  await lock.release();
  process.exit(1);
}

const s3 = await s3Credentials();
let running = httpPorts.length;

const children: ChildProcess[] = httpPorts.map((port, index) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'node-runtime/node/cli.ts'), '--node', String(index), '--http', `127.0.0.1:${port}`, '--cluster', cluster, '--data-dir', path.join(dataDir, `node-${index + 1}`), '--s3', `127.0.0.1:${s3Ports[index]}`],
    // The IPC channel ties each node to this script: if it dies, the nodes notice and exit.
    { cwd: root, env: { ...process.env, DFS_CLUSTER_SECRET: secret, ...s3.env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  child.on('exit', (code, signal) => {
    if (!stopping) console.log(`node ${index + 1} exited (${signal ?? `code ${code}`})`);
    running -= 1;
    // The cluster is free for another manager only once no node of it runs.
    if (stopping && running === 0) void lock.release();
  });
  return child;
});

for (const [index, port] of httpPorts.entries()) {
  console.log(`node ${index + 1}: http://127.0.0.1:${port}  peer 127.0.0.1:${peerPorts[index]}  s3 http://127.0.0.1:${s3Ports[index]}  data ${path.join(dataDir, `node-${index + 1}`)}`);
}
console.log(`S3 access key: ${s3.accessKey}  (${s3.where})`);

let stopping = false;
let lastLeader: number | null = null;
const poll = setInterval(async () => {
  for (const port of httpPorts) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/leader`, { signal: AbortSignal.timeout(500) });
      const body = (await res.json()) as { leaderId: number | null; term: number };
      if (body.leaderId !== null && body.leaderId !== lastLeader) {
        lastLeader = body.leaderId;
        console.log(`leader: node ${body.leaderId} (http://127.0.0.1:${httpPorts[body.leaderId - 1]}), term ${body.term}`);
      }
      return;
    } catch {
      // That node is not up yet; ask the next one.
    }
  }
}, 500);

function stop(): void {
  if (stopping) return;
  stopping = true;
  clearInterval(poll);
  console.log('stopping the cluster…');
  for (const child of children) child.kill('SIGTERM');
  if (running === 0) void lock.release();
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  force.unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The S3 credentials every node gets: the environment's, or a pair generated once into the data directory (mode 0600). */
async function s3Credentials(): Promise<{ accessKey: string; where: string; env: NodeJS.ProcessEnv }> {
  if (process.env.DFS_S3_ACCESS_KEY && process.env.DFS_S3_SECRET_KEY) {
    return { accessKey: process.env.DFS_S3_ACCESS_KEY, where: 'secret in DFS_S3_SECRET_KEY', env: {} };
  }
  const file = path.join(dataDir, 's3-credentials.json');
  let stored: { accessKey: string } | null = null;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as { accessKey: string };
  } catch {
    await mkdir(dataDir, { recursive: true });
    stored = { accessKey: `dfs${randomBytes(6).toString('hex')}` };
    await writeFile(file, JSON.stringify({ ...stored, secretKey: randomBytes(24).toString('base64url') }, null, 2), { mode: 0o600, flag: 'wx' });
  }
  return { accessKey: stored.accessKey, where: `secret in ${file}`, env: { DFS_S3_CREDENTIALS_FILE: file } };
}
