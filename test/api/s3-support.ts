// Shared set-up of the S3 suites: a real cluster whose nodes also serve S3 (`--s3`), and the real
// S3 clients from Debian's packages (aws, rclone, s3cmd) run as child processes against it, each
// with a clean HOME and only the credentials it needs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startWithLeader, type TestCluster, type TestNode } from '../cluster/harness';
import { canonicalRequest, sign, signingKey, stringToSign, uriEncode } from '../../node-runtime/s3/sigv4';

export const ACCESS_KEY = 'dfs-test-key';
export const SECRET_KEY = 'dfs-test-secret-0123456789';

/** Pinned paths: a pyenv shim of aws-cli v1 may come first on PATH; Debian's are the ones CI installs. */
export const CLIENTS = { aws: '/usr/bin/aws', rclone: '/usr/bin/rclone', s3cmd: '/usr/bin/s3cmd', restic: '/usr/bin/restic' } as const;

/** Which clients are missing; with REQUIRE_E2E=1 (CI) a missing client fails the suite instead of skipping it. */
export function missingClients(): string[] {
  const missing = Object.values(CLIENTS).filter((p) => !existsSync(p));
  if (missing.length > 0 && process.env.REQUIRE_E2E === '1') {
    throw new Error(`REQUIRE_E2E=1 but ${missing.join(', ')} not installed (apt-get install -y awscli rclone s3cmd restic)`);
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

export async function startS3Cluster(env: NodeJS.ProcessEnv = {}, nodes = 3): Promise<S3Cluster> {
  const ports = new Map<number, number>();
  for (let id = 1; id <= nodes; id += 1) ports.set(id, await freePort());
  const { cluster, leader, follower } = await startWithLeader({
    nodes,
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

export interface SignedRequest {
  readonly method?: string;
  /** The key or bucket path, unencoded: "/bucket/key". */
  readonly path: string;
  /** Query pairs, unencoded. */
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** Sign the payload's hash (default) or send UNSIGNED-PAYLOAD. */
  readonly unsignedPayload?: boolean;
  /** Sign this payload hash instead (a STREAMING-… marker, say), whatever the body is. */
  readonly payloadHash?: string;
  readonly secret?: string;
  readonly accessKey?: string;
}

function amzNow(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function encodeQuery(query: Record<string, string>): string {
  return Object.entries(query).map(([k, v]) => `${uriEncode(k, false)}=${uriEncode(v, false)}`).join('&');
}

/** The URL of a request: path and query encoded as SigV4 expects them. */
export function s3Target(endpoint: string, path: string, query: Record<string, string> = {}): string {
  const qs = encodeQuery(query);
  return `${endpoint}${uriEncode(path, true)}${qs ? `?${qs}` : ''}`;
}

/**
 * The SigV4 headers (Authorization included, Host left to the transport) of a request, and the
 * request target exactly as signed: an independent client built from the published algorithm.
 * `target` keeps dot segments ("/b/./k"), which a URL object (and so fetch) would remove.
 */
export function signRequest(endpoint: string, r: SignedRequest): { url: URL; target: string; headers: Record<string, string> } {
  const url = new URL(s3Target(endpoint, r.path, r.query));
  const rawPath = uriEncode(r.path, true);
  const rawQuery = encodeQuery(r.query ?? {});
  const amzDate = amzNow();
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const payload = r.payloadHash ?? (r.unsignedPayload ? 'UNSIGNED-PAYLOAD' : createHash('sha256').update(body ?? Buffer.alloc(0)).digest('hex'));
  const headers: Record<string, string> = { ...r.headers, host: url.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payload };
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const accessKey = r.accessKey ?? ACCESS_KEY;
  const credential = { accessKey, date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' };
  const canonical = canonicalRequest(
    { method: r.method ?? 'GET', rawPath, rawQuery, headers: new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])) },
    signed,
    payload,
  );
  const signature = sign(signingKey(r.secret ?? SECRET_KEY, credential), stringToSign(amzDate, credential, canonical));
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${credential.date}/us-east-1/s3/aws4_request, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  delete headers.host;
  return { url, target: `${rawPath}${rawQuery ? `?${rawQuery}` : ''}`, headers };
}

/** A SigV4-signed (Authorization header) request, sent. */
export async function signedFetch(endpoint: string, r: SignedRequest): Promise<Response> {
  const { url, headers } = signRequest(endpoint, r);
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  return fetch(url, { method: r.method ?? 'GET', headers, body, signal: AbortSignal.timeout(60_000) });
}

/** The text of every <name> element of an XML answer, unescaped, in document order. */
export function xmlValues(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) =>
    (m[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
  );
}
