// Live configuration on real processes: every invalid PUT /config is refused with 400
// config_invalid naming the key and changes nothing on any node; a cluster-scope change is seen
// on every node, a node-scope change only on its node, and both survive a restart; edits of the
// config file apply live, and an invalid edit is ignored while the running config stays.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLUSTER_TIMING } from '../../node-runtime/common/config';
import { configValue, putConfig } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

let cluster: TestCluster;
let configDir: string;
let leader: TestNode;
let follower: TestNode;

const configFile = (node: TestNode) => path.join(configDir, `node-${node.id}.json`);

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'dfs-config-'));
  for (const id of [1, 2, 3]) await writeFile(path.join(configDir, `node-${id}.json`), '{"logLevel":"INFO"}\n');
  ({ cluster, leader, follower } = await startWithLeader({
    extraArgs: (node) => ['--config', configFile(node)],
    // The harness sets LOG_LEVEL, which outranks the file; these tests are about the file.
    env: { LOG_LEVEL: undefined },
  }));
});
afterAll(async () => {
  await cluster?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

async function views() {
  return Promise.all(cluster.running().map(async (n) => (await json<Record<string, unknown>>(`${n.url}/config`)).body));
}

describe('PUT /config', () => {
  it.each([
    ['an unknown key', { nope: 1 }, 'nope'],
    ['a wrong type', { storageQuota: 'lots' }, 'storageQuota'],
    ['a value out of range', { scrubIntervalSec: 1 }, 'scrubIntervalSec'],
    ['a negative quota', { storageQuota: -1 }, 'storageQuota'],
    ['a misspelt log level', { logLevel: 'LOUD' }, 'logLevel'],
    ['settings that contradict each other', { heartbeatInterval: 1000, electionTimeout: 1500 }, 'electionTimeout'],
    ['one bad key among good ones', { storageQuota: 4096, recoveryEnabled: 'yes' }, 'recoveryEnabled'],
    ['an array instead of an object', [{ storageQuota: 4096 }], 'object'],
  ])('refuses %s with 400 config_invalid naming it, and changes nothing anywhere', async (_case, patch, named) => {
    const before = await views();
    for (const via of [follower, leader]) {
      const res = await putConfig(via, patch);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('config_invalid');
      expect(res.body.detail).toContain(named);
    }
    expect(await views()).toEqual(before);
  });

  it('refuses a body that is not JSON at all with a 400 error body and changes nothing', async () => {
    const before = await views();
    const res = await json<{ error: string; detail: string }>(`${follower.url}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"storageQuota": ',
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toEqual(expect.any(String));
    expect(await views()).toEqual(before);
  });

  it('applies a cluster setting sent to a follower on every node', async () => {
    const res = await putConfig(follower, { storageQuota: 123_456_789 });
    expect(res.status).toBe(200);
    expect(res.body.storageQuota).toEqual({ value: 123_456_789, scope: 'cluster', source: 'api' });
    await Promise.all(
      cluster.nodes.map((n) =>
        waitFor(`node ${n.id} to show the quota`, async () => (await configValue(n, 'storageQuota')).value === 123_456_789),
      ),
    );
  });

  it('sets one Raft timeout beside the running other one: a local cluster keeps its 60 ms heartbeat', async () => {
    const running = (await putConfig(follower, {})).body.heartbeatInterval;
    expect(running).toMatchObject({ value: LOCAL_CLUSTER_TIMING.heartbeatInterval, source: 'default' });
    const res = await putConfig(follower, { electionTimeout: 400 });
    expect(res.status).toBe(200);
    await Promise.all(
      cluster.nodes.map((n) =>
        waitFor(`node ${n.id} to run 60/400 ms`, async () => {
          const body = (await json<Record<string, { value: unknown }>>(`${n.url}/config`)).body;
          return body.electionTimeout?.value === 400 && body.heartbeatInterval?.value === LOCAL_CLUSTER_TIMING.heartbeatInterval;
        }),
      ),
    );
  });

  it('applies a node setting on that node only, and both kinds survive a restart of that node', async () => {
    const res = await putConfig(follower, { logLevel: 'DEBUG' });
    expect(res.status).toBe(200);
    expect(res.body.logLevel).toEqual({ value: 'debug', scope: 'node', source: 'api' });
    for (const n of cluster.nodes.filter((x) => x.id !== follower.id)) {
      expect(await configValue(n, 'logLevel')).toMatchObject({ value: 'info', source: 'file' });
    }

    await cluster.restart(follower);
    await cluster.waitForLeader(20_000);
    expect(await configValue(follower, 'logLevel')).toMatchObject({ value: 'debug', source: 'api' });
    await waitFor('the restarted node to show the cluster quota', async () => (await configValue(follower, 'storageQuota')).value === 123_456_789);
  });
});

describe('config file', () => {
  async function logOf(node: TestNode): Promise<string> {
    return readFile(path.join(cluster.dir, `node-${node.id}.log`), 'utf8');
  }

  it('is the source of the log level at start', async () => {
    expect(await configValue(leader, 'logLevel')).toEqual({ value: 'info', scope: 'node', source: 'file' });
  });

  it('changes the log level live when edited, ignores an invalid edit and keeps the running config', async () => {
    const node = leader;
    await writeFile(configFile(node), '{"logLevel":"WARN"}\n');
    await waitFor('the edited level to apply', async () => (await configValue(node, 'logLevel')).value === 'warn');
    expect(await configValue(node, 'logLevel')).toMatchObject({ source: 'file' });

    for (const [i, invalid] of ['{"logLevel":"LOUD"}\n', '{"logLevel": \n', '{"logLevel":"ERROR","surprise":1}\n'].entries()) {
      await writeFile(configFile(node), invalid);
      await waitFor(`invalid edit ${i + 1} to be reported`, async () => (await logOf(node)).split('config file edit ignored').length - 1 > i);
      expect(await configValue(node, 'logLevel')).toMatchObject({ value: 'warn', source: 'file' });
    }

    await writeFile(configFile(node), '{"logLevel":"ERROR"}\n');
    await waitFor('a valid edit after invalid ones to apply', async () => (await configValue(node, 'logLevel')).value === 'error');
    // Other nodes read their own files.
    for (const other of cluster.nodes.filter((n) => n.id !== node.id && n.id !== follower.id)) {
      expect(await configValue(other, 'logLevel')).toMatchObject({ value: 'info', source: 'file' });
    }
  });
});
