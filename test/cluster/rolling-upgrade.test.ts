// Issue #18: a rolling upgrade. Three nodes of the previous release — a real older build of this
// repository from before peer negotiation, built from git history at test time (see
// previous-release.ts for why not a committed bundle or a flag) — are upgraded to this build one
// at a time while a writer writes and a reader reads through the nodes in service, as a load
// balancer would: a node leaves the rotation (drained) before it is stopped with SIGTERM, and
// rejoins once it serves again. The order covers each mixed state:
//   1. a follower is upgraded: an old leader writes for a new follower (command format 2);
//   2. the old leader is upgraded (clients ride through the election), and leadership goes to the
//      new node while an old one still serves: the new leader must write format 1, the format a
//      node that advertises nothing is taken to speak;
//   3. the last old node is upgraded: only now does the leader switch to its newest format (4).
// Before an old node is stopped it must list every write acknowledged so far, with its SHA-256:
// it applied every entry, so none was in a format it cannot read (it would have rejected it and
// lost the file). At the end every acknowledged write reads back from every node by its SHA-256,
// and no write or read failed.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../node-runtime/common/api-types';
import { freePort, json, repoRoot, TestCluster, waitFor, type TestNode } from './harness';
import { buildPreviousRelease } from './previous-release';
import { nodeProgram } from '../support/node-program';

const CURRENT = nodeProgram();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fileUrl = (node: TestNode, name: string) => `${node.url}/files/${name}`;
/** A failed fetch with its cause ("fetch failed" alone does not say whether a socket was refused, reset or closed). */
const withCause = (err: unknown): string => `${String(err)}${err instanceof Error && err.cause !== undefined ? ` (${String(err.cause)})` : ''}`;

/** A writer and a reader that use only the nodes in service, and remember everything. */
class Traffic {
  readonly acked = new Map<string, string>();
  readonly failures: string[] = [];
  readonly draining = new Set<number>();
  private readonly inFlight = new Map<number, number>();
  private writes = 0;
  reads = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly cluster: TestCluster) {}

  start(): void {
    this.loops = [this.loop(() => this.write()), this.loop(() => this.read())];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Takes a node out of the rotation and waits for the requests it is serving to end. */
  async drain(node: TestNode): Promise<void> {
    this.draining.add(node.id);
    await waitFor(`requests in flight to node ${node.id} to end`, () => (this.inFlight.get(node.id) ?? 0) === 0, 90_000);
  }

  readmit(node: TestNode): void {
    this.draining.delete(node.id);
  }

  private async loop(step: () => Promise<void>): Promise<void> {
    while (!this.stopped) await step();
  }

  private pick(): TestNode {
    const serving = this.cluster.running().filter((n) => !this.draining.has(n.id));
    return serving[Math.floor(Math.random() * serving.length)] as TestNode;
  }

  private async on<T>(node: TestNode, request: () => Promise<T>): Promise<T> {
    this.inFlight.set(node.id, (this.inFlight.get(node.id) ?? 0) + 1);
    try {
      return await request();
    } finally {
      this.inFlight.set(node.id, (this.inFlight.get(node.id) ?? 0) - 1);
    }
  }

  /** Small files (inline when the cluster's format allows) and every fifth one chunked. */
  private async write(): Promise<void> {
    const n = ++this.writes;
    const name = `upgrade/file-${n}.bin`;
    const body = randomBytes(n % 5 === 0 ? 150_000 + n : 1_000 + ((n * 997) % 20_000));
    const node = this.pick();
    await this.on(node, async () => {
      try {
        const res = await fetch(fileUrl(node, name), { method: 'PUT', body, headers: { 'idempotency-key': `rolling-${n}` }, signal: AbortSignal.timeout(60_000) });
        if (res.status === 201) this.acked.set(name, sha256(body));
        else this.failures.push(`write ${name} to node ${node.id}: ${res.status} ${await res.text()}`);
      } catch (err) {
        this.failures.push(`write ${name} to node ${node.id}: ${withCause(err)}`);
      }
    });
  }

  private async read(): Promise<void> {
    const names = [...this.acked.keys()];
    if (names.length === 0) return new Promise((resolve) => setTimeout(resolve, 20));
    const name = names[Math.floor(Math.random() * names.length)] as string;
    const node = this.pick();
    await this.on(node, async () => {
      try {
        const res = await fetch(`${fileUrl(node, name)}?consistency=linearizable`, { signal: AbortSignal.timeout(60_000) });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200 || sha256(bytes) !== this.acked.get(name)) this.failures.push(`read ${name} from node ${node.id}: ${res.status}, ${bytes.length} bytes`);
        else this.reads++;
      } catch (err) {
        this.failures.push(`read ${name} from node ${node.id}: ${withCause(err)}`);
      }
    });
  }
}

/** Every file the node lists, by name, with the SHA-256 its state holds (its own applied state, no leader asked). */
async function listing(node: TestNode): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const query: string = `prefix=upgrade/&limit=10000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { body } = await json<{ items: { name: string; sha256: string }[]; nextCursor: string | null }>(`${node.url}/files?${query}`);
    for (const item of body.items) files.set(item.name, item.sha256);
    cursor = body.nextCursor;
  } while (cursor !== null);
  return files;
}

/** Polls until the node lists every write acknowledged before the call, each with its SHA-256. */
async function holdsEveryAcked(node: TestNode, traffic: Traffic): Promise<number> {
  const expected = new Map(traffic.acked);
  await waitFor(`node ${node.id} to list the ${expected.size} writes acknowledged so far`, async () => {
    const held = await listing(node);
    return [...expected].every(([name, hash]) => held.get(name) === hash);
  }, 30_000);
  return expected.size;
}

/** Runs this build's dfsctl against `node`; rejects with its exit code and stderr when it fails. */
async function dfsctl(node: TestNode, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const cli = path.join(repoRoot, 'node-runtime/ctl/cli.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, '--endpoints', node.url, '-o', 'json', ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  return stdout;
}

/**
 * What `dfsctl status` (this build's) shows the operator: the format the leader writes, and what
 * each member applies. It exits 1 while a member is not healthy yet (a moment after a restart or a
 * leader change), so this waits for it to succeed, as the upgrade procedure has the operator do.
 */
async function dfsctlStatus(node: TestNode): Promise<{ commandFormat: number | null; formats: Record<number, string | null> }> {
  const stdout = await waitFor('dfsctl status to find every member healthy', () => dfsctl(node, ['status']), 30_000);
  const status = JSON.parse(stdout) as { commandFormat: number | null; members: { id: number; formats: string | null }[] };
  return { commandFormat: status.commandFormat, formats: Object.fromEntries(status.members.map((m) => [m.id, m.formats])) };
}

/** What the node's /status says of command formats, with its member lists in id order. */
async function commandFormats(node: TestNode): Promise<NodeStatus['commandFormats']> {
  const formats = (await json<NodeStatus>(`${node.url}/status`)).body.commandFormats;
  return formats && { ...formats, behind: formats.behind.sort((a, b) => a - b), cannot: formats.cannot.sort((a, b) => a - b) };
}

describe('a rolling upgrade from the previous release, one node at a time, under reads and writes', () => {
  let work: string;
  let cluster: TestCluster;
  let traffic: Traffic;
  let previous: string[];
  const upgraded = new Set<number>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dfs-rolling-'));
    previous = await buildPreviousRelease(path.join(work, 'previous'));
    cluster = await TestCluster.start({ nodes: 3, command: (node) => (upgraded.has(node.id) ? CURRENT : previous) });
    traffic = new Traffic(cluster);
  }, 180_000);

  afterAll(async () => {
    await traffic?.stop();
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Checks the old node applied everything so far, then drains, stops and restarts it as this build. */
  async function upgrade(node: TestNode): Promise<void> {
    await holdsEveryAcked(node, traffic);
    await traffic.drain(node);
    await cluster.kill(node, 'SIGTERM');
    upgraded.add(node.id);
    cluster.spawn(node);
    await cluster.waitLive(node);
    await holdsEveryAcked(node, traffic);
    traffic.readmit(node);
  }

  it('keeps serving through every step, and switches to the newest format only after the last node', async () => {
    const first = await cluster.waitForLeader();
    traffic.start();
    await waitFor('writes under the previous release', () => traffic.acked.size >= 20, 60_000);
    expect(await commandFormats(first)).toBeUndefined();

    // 1. A follower: the old leader keeps writing (its format 2), the new node applies it.
    const [follower, other] = cluster.followers(first) as [TestNode, TestNode];
    await upgrade(follower);
    expect(await commandFormats(follower)).toMatchObject({ applies: { min: 1, max: 4 }, behind: [first.id, other.id].sort((a, b) => a - b) });
    await waitFor('writes with a new follower', () => traffic.acked.size >= 40, 60_000);

    // 2. The old leader: an election, ridden through; then the new node leads while `other` is old.
    await upgrade(first);
    const { status } = await json(`${follower.url}/leader/vote`, { method: 'POST' });
    expect(status).toBe(200);
    expect((await cluster.waitForLeader()).id).toBe(follower.id);
    const start = traffic.acked.size;
    await waitFor('writes by a new leader beside an old node', () => traffic.acked.size >= start + 20, 60_000);
    await waitFor('the leader to hear from the upgraded node', async () => (await commandFormats(follower))?.behind.length === 1, 30_000);
    expect(await commandFormats(follower)).toEqual({ applies: { min: 1, max: 4 }, writes: 1, behind: [other.id], cannot: [] });
    expect(await dfsctlStatus(other)).toEqual({ commandFormat: 1, formats: { [first.id]: '1-4', [follower.id]: '1-4', [other.id]: '1 (older release)' } });

    // 3. The last old node: only once it is back as this build does the leader write format 4.
    await upgrade(other);
    await waitFor('the leader to write format 4', async () => (await commandFormats(follower))?.writes === 4, 30_000);
    expect(await commandFormats(follower)).toEqual({ applies: { min: 1, max: 4 }, writes: 4, behind: [], cannot: [] });
    expect(await dfsctlStatus(first)).toEqual({ commandFormat: 4, formats: { [first.id]: '1-4', [follower.id]: '1-4', [other.id]: '1-4' } });
    const switched = traffic.acked.size;
    await waitFor('writes in format 4', () => traffic.acked.size >= switched + 20, 60_000);
    await traffic.stop();

    expect(traffic.failures).toEqual([]);
    expect(traffic.reads).toBeGreaterThan(0);
    for (const node of cluster.nodes) {
      for (const [name, hash] of traffic.acked) {
        const res = await fetch(fileUrl(node, name));
        expect(res.status, `${name} on node ${node.id}`).toBe(200);
        expect(sha256(new Uint8Array(await res.arrayBuffer())), `${name} on node ${node.id}`).toBe(hash);
      }
    }
  }, 600_000);

  it('then refuses to add a node of the previous release: it could not apply the format-4 entries in the log', async () => {
    const leader = await cluster.waitForLeader();
    const [httpPort, peerPort] = [await freePort(), await freePort()];
    const [program, ...prefix] = previous as [string, ...string[]];
    const args = [...prefix, '--node', '3', '--http', `127.0.0.1:${httpPort}`, '--cluster', `${cluster.clusterFlag};4,127.0.0.1:${peerPort}`, '--data-dir', path.join(work, 'joiner'), '--join'];
    const joiner = spawn(program, args, { env: { ...process.env, DFS_CLUSTER_SECRET: cluster.secret }, stdio: 'ignore' });
    try {
      await waitFor('the older node to serve', async () => (await fetch(`http://127.0.0.1:${httpPort}/livez`).catch(() => null))?.ok === true, 20_000);
      const add = ['member', 'add', '4', `127.0.0.1:${peerPort}`, '--http-url', `http://127.0.0.1:${httpPort}`];
      const refused = await dfsctl(leader, add, { DFS_CLUSTER_SECRET: cluster.secret }).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(refused?.code).toBe(5);
      expect(refused?.stderr).toContain('node 4 applies command formats 1, and this cluster writes format 4: upgrade it before adding it');
      const members = JSON.parse(await dfsctl(leader, ['member', 'list'])) as { members: { id: number }[] };
      expect(members.members.map((m) => m.id)).toEqual([1, 2, 3]);
      expect(await commandFormats(leader)).toMatchObject({ writes: 4, behind: [] });
    } finally {
      joiner.kill('SIGKILL');
    }
  });
});
