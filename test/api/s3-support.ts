// Shared set-up of the S3 suites: a real cluster whose nodes also serve S3 (`--s3`), and the real
// S3 clients from Debian's packages (aws, rclone, s3cmd) run as child processes against it, each
// with a clean HOME and only the credentials it needs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startWithLeader, type TestCluster, type TestNode } from '../cluster/harness';

export const ACCESS_KEY = 'dfs-test-key';
export const SECRET_KEY = 'dfs-test-secret-0123456789';

/** Pinned paths: a pyenv shim of aws-cli v1 may come first on PATH; Debian's are the ones CI installs. */
export const CLIENTS = { aws: '/usr/bin/aws', rclone: '/usr/bin/rclone', s3cmd: '/usr/bin/s3cmd' } as const;

/** Which clients are missing; with REQUIRE_E2E=1 (CI) a missing client fails the suite instead of skipping it. */
export function missingClients(): string[] {
  const missing = Object.values(CLIENTS).filter((p) => !existsSync(p));
  if (missing.length > 0 && process.env.REQUIRE_E2E === '1') {
    throw new Error(`REQUIRE_E2E=1 but ${missing.join(', ')} not installed (apt-get install -y awscli rclone s3cmd)`);
  }
  return missing;
}

export interface S3Cluster {
  readonly cluster: TestCluster;
  readonly leader: TestNode;
  readonly follower: TestNode;
  /** The S3 endpoint of a node. */
  s3Url(node: TestNode): string;
}

export async function startS3Cluster(env: NodeJS.ProcessEnv = {}): Promise<S3Cluster> {
  const ports = new Map<number, number>();
  for (let id = 1; id <= 3; id += 1) ports.set(id, await freePort());
  const { cluster, leader, follower } = await startWithLeader({
    extraArgs: (node) => ['--s3', `127.0.0.1:${ports.get(node.id)}`],
    env: { DFS_S3_ACCESS_KEY: ACCESS_KEY, DFS_S3_SECRET_KEY: SECRET_KEY, ...env },
  });
  return { cluster, leader, follower, s3Url: (node) => `http://127.0.0.1:${ports.get(node.id)}` };
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a client to its end (bounded); never throws on a non-zero exit, the test asserts on it. */
export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A clean environment for a client: its own HOME, no CA bundle override (rclone refuses one on plain HTTP). */
export async function clientEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'dfs-s3-client-'));
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}

/** `aws --endpoint-url URL …` exactly as the README shows it. */
export function aws(endpoint: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return run(CLIENTS.aws, ['--endpoint-url', endpoint, ...args], env, cwd);
}

/** rclone with a remote named "dfs", configured by environment as `rclone config create dfs s3 …` would. */
export function rclone(endpoint: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return run(
    CLIENTS.rclone,
    args,
    {
      ...env,
      RCLONE_CONFIG_DFS_TYPE: 's3',
      RCLONE_CONFIG_DFS_PROVIDER: 'Other',
      RCLONE_CONFIG_DFS_ACCESS_KEY_ID: ACCESS_KEY,
      RCLONE_CONFIG_DFS_SECRET_ACCESS_KEY: SECRET_KEY,
      RCLONE_CONFIG_DFS_ENDPOINT: endpoint,
      RCLONE_CONFIG_DFS_FORCE_PATH_STYLE: 'true',
    },
    cwd,
  );
}

/** s3cmd with the endpoint on the command line (no ~/.s3cfg). */
export function s3cmd(endpoint: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  const host = new URL(endpoint).host;
  return run(
    CLIENTS.s3cmd,
    [`--access_key=${ACCESS_KEY}`, `--secret_key=${SECRET_KEY}`, `--host=${host}`, `--host-bucket=${host}`, '--no-ssl', '--region=us-east-1', ...args],
    env,
    cwd,
  );
}
