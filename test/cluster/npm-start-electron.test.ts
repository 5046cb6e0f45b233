// `npm start` where the Electron binary was never downloaded, end to end: the real npm start runs
// Electron's real installer against a local mirror (ELECTRON_MIRROR) that serves a stand-in
// archive and its SHASUMS256.txt (electron_use_remote_checksums). The stand-in "electron" records
// how it was launched; made to fail like Chromium as root, it gets a sentence and web mode. A
// broken mirror leads to web mode too. The download goes through a local CONNECT proxy set the usual
// way (HTTP_PROXY), as on a corporate network. node_modules/electron is left as found:
// a real binary there is moved aside for the run and put back, even after a failed run.
// (In the cluster group: it runs after the unit tests and before the e2e smoke test, never beside it.)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { repoRoot, waitFor } from './harness';

const electronDir = path.join(repoRoot, 'node_modules/electron');
const version = (JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
// What install.js names the executable inside the archive, and @electron/get's arch names.
const platformPath = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
const arch = process.arch === 'arm' ? 'armv7l' : process.arch;
const archiveName = `electron-v${version}-${process.platform}-${arch}.zip`;
const ASIDE = '.aside-by-npm-start-test';
const installed = ['dist', 'path.txt'];

/** What the test must leave as it found: the package's files, path.txt and the top of dist/. */
function electronState(): string {
  const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
  const pathTxt = existsSync(path.join(electronDir, 'path.txt')) ? readFileSync(path.join(electronDir, 'path.txt'), 'utf8') : null;
  return JSON.stringify({ files: list(electronDir), dist: list(path.join(electronDir, 'dist')), pathTxt });
}

const STAND_IN_MARK = 'Stand-in for Electron';
/** Set while node_modules/electron holds the test's doing rather than what it found. */
let touched = false;

function standInInstalled(): boolean {
  const binary = path.join(electronDir, 'dist', platformPath);
  return existsSync(binary) && readFileSync(binary, 'utf8').includes(STAND_IN_MARK);
}

/** Puts back what was moved aside, else removes what the test installed; also mends a killed run. */
function putBack(): void {
  const standIn = touched || standInInstalled();
  for (const name of installed) {
    const current = path.join(electronDir, name);
    if (existsSync(current + ASIDE)) {
      rmSync(current, { recursive: true, force: true });
      renameSync(current + ASIDE, current);
    } else if (standIn) {
      rmSync(current, { recursive: true, force: true });
    }
  }
  touched = false;
}

function removeStandIn(): void {
  for (const name of installed) rmSync(path.join(electronDir, name), { recursive: true, force: true });
}

let temp = '';
let found = '';
let mirror: http.Server;
let mirrorUrl = '';
const requests: string[] = [];
let proxy: http.Server;
let proxyUrl = '';
/** The targets the proxy was asked to tunnel to (CONNECT host:port). */
const tunnels: string[] = [];
let child: ChildProcess | null = null;

async function buildStandInArchive(): Promise<{ zip: Buffer; shasums: string }> {
  const src = path.join(temp, 'archive');
  const exe = path.join(src, platformPath);
  await mkdir(path.dirname(exe), { recursive: true });
  await writeFile(exe, `#!/bin/sh\n# ${STAND_IN_MARK}: records how it was launched, then exits.\n{ printf "cwd=%s\\n" "$PWD"; for a in "$@"; do printf "arg=%s\\n" "$a"; done; } > "$DFS_STANDIN_RECORD"\n`);
  await chmod(exe, 0o755);
  const zipPath = path.join(temp, archiveName);
  execFileSync('zip', ['-q', '-r', '-X', zipPath, '.'], { cwd: src });
  const zip = await readFile(zipPath);
  return { zip, shasums: `${createHash('sha256').update(zip).digest('hex')} *${archiveName}\n` };
}

interface NpmStart {
  readonly pid: number;
  output(): string;
  /** The exit code, polled until `timeoutMs`. */
  exit(timeoutMs: number): Promise<number | null>;
}

/**
 * `npm start` with the mirror and a temp cache and state dir; a display is claimed so the download is
 * tried. `through` is a proxy URL to put in HTTP_PROXY and HTTPS_PROXY, else none is set.
 */
function npmStart(mirrorBase: string, args: string[], through?: string): NpmStart {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: mirrorBase,
    electron_use_remote_checksums: '1',
    electron_config_cache: path.join(temp, 'electron-cache'),
    DFS_DESKTOP_STATE_DIR: path.join(temp, 'state'),
    DFS_STANDIN_RECORD: path.join(temp, 'launched.txt'),
    DISPLAY: ':0',
  };
  const proxyNames = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ELECTRON_GET_USE_PROXY'];
  for (const name of ['ELECTRON_PATH', 'DFS_DESKTOP_WEB', ...proxyNames]) delete env[name];
  if (through) Object.assign(env, { HTTP_PROXY: through, HTTPS_PROXY: through });
  const proc = spawn('npm', ['start', '--', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child = proc;
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  let exited: { code: number | null } | undefined;
  proc.on('exit', (code) => (exited = { code }));
  return {
    pid: proc.pid as number,
    output: () => out,
    exit: async (timeoutMs) => (await waitFor('npm start to exit', () => exited, timeoutMs, 100)).code,
  };
}

/** Waits for web mode's dashboard, checks its cluster answers, then stops it as Ctrl-C does. */
async function webModeServesThenStops(run: NpmStart): Promise<void> {
  const [, port, token] = await waitFor('the dashboard URL', () => /DFS Desktop dashboard: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(run.output()), 180_000, 100);
  const cluster = await fetch(`http://127.0.0.1:${port}/api/cluster`, { headers: { authorization: `Bearer ${token}` } });
  expect(((await cluster.json()) as ClusterSnapshot).nodes).toHaveLength(3);
  // Ctrl-C in a terminal signals the whole process group: npm, start.js, web mode and its nodes.
  process.kill(-run.pid, 'SIGINT');
  await run.exit(30_000);
  await waitFor('every process of npm start to exit', () => !groupAlive(run.pid), 30_000, 100);
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  putBack();
  found = electronState();
  touched = true;
  for (const name of installed) {
    if (existsSync(path.join(electronDir, name))) renameSync(path.join(electronDir, name), path.join(electronDir, name + ASIDE));
  }
  temp = await mkdtemp(path.join(os.tmpdir(), 'dfs-npm-start-'));
  const { zip, shasums } = await buildStandInArchive();
  mirror = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === `/v${version}/${archiveName}`) res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
    else if (req.url === `/v${version}/SHASUMS256.txt`) res.writeHead(200, { 'content-type': 'text/plain' }).end(shasums);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
  // A forward proxy as undici speaks to one: every request, http:// included, goes through CONNECT.
  proxy = http.createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  await new Promise((resolve) => mirror?.close(resolve));
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  putBack();
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('npm start without an Electron binary', () => {
  it("downloads Electron through its own installer from the mirror, via the proxy, unpacks it, and launches it with the app", async () => {
    const run = npmStart(mirrorUrl, [], proxyUrl);
    expect(await run.exit(180_000), run.output()).toBe(0);
    expect(run.output()).toContain(`Downloading Electron ${version} for the desktop app`);
    expect(requests).toEqual(expect.arrayContaining([`/v${version}/${archiveName}`, `/v${version}/SHASUMS256.txt`]));
    expect(tunnels).toContain(new URL(mirrorUrl).host);
    expect(readFileSync(path.join(electronDir, 'path.txt'), 'utf8')).toBe(platformPath);
    // Electron's cache got the archive (electron_config_cache was honoured).
    expect(readdirSync(path.join(temp, 'electron-cache'), { recursive: true }).map(String).some((f) => f.endsWith(archiveName))).toBe(true);
    const record = (await readFile(path.join(temp, 'launched.txt'), 'utf8')).split('\n');
    expect(record).toContain(`cwd=${path.resolve(repoRoot)}`);
    expect(record.filter((l) => l.startsWith('arg=')).map((l) => path.resolve(l.slice(4)))).toEqual([path.resolve(repoRoot)]);
    expect(existsSync(path.join(temp, 'state/electron-download.json'))).toBe(false);
  }, 200_000);

  it("turns a known first-run failure in Electron's output into its sentence, then serves the web dashboard", async () => {
    // The installed stand-in now fails the way Chromium does when started as root.
    const binary = path.join(electronDir, 'dist', platformPath);
    await writeFile(binary, `#!/bin/sh\n# ${STAND_IN_MARK}: fails like Chromium as root.\necho "[1:ERROR:zygote_host_impl_linux.cc(100)] Running as root without --no-sandbox is not supported." >&2\nexit 1\n`);
    const requestsBefore = requests.length;
    const run = npmStart(mirrorUrl, ['--no-seed-ports', '--data-dir', path.join(temp, 'data-root')]);
    await webModeServesThenStops(run);
    expect(requests).toHaveLength(requestsBefore);
    expect(run.output()).toContain(
      'Electron does not run as root with its sandbox on, and this app never turns the sandbox off: start it as a normal user. Serving the web dashboard instead.',
    );
  }, 200_000);

  it('says why in one line and serves the web dashboard when the mirror fails, then stops cleanly', async () => {
    removeStandIn();
    const run = npmStart(`${mirrorUrl}broken/`, ['--no-seed-ports', '--data-dir', path.join(temp, 'data')]);
    await webModeServesThenStops(run);
    const said = run.output().split('\n').find((l) => l.startsWith('Electron could not be downloaded'));
    expect(said).toBe(`Electron could not be downloaded: HTTPError: Response code 404 (Not Found) for ${mirrorUrl}broken/v${version}/${archiveName} (from ${mirrorUrl}broken/). Serving the web dashboard instead.`);
    expect(existsSync(path.join(electronDir, 'path.txt'))).toBe(false);
    expect(JSON.parse(await readFile(path.join(temp, 'state/electron-download.json'), 'utf8'))).toMatchObject({ electronVersion: version });
  }, 200_000);

  it('leaves node_modules/electron as it found it', () => {
    putBack();
    expect(electronState()).toBe(found);
  });
});
