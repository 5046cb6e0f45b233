// Catch-up on real processes: a node that was down while 200 MiB were written comes back, shows
// its progress in GET /recovery/status, ends with nothing missing and not catching up, and then
// serves every file byte-identical from its own disk.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHash, holdsIntact, MiB, putConfig, recovery, sha256, upload, type StoredFile } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

const FILES = 50;
const FILE_SIZE = 4 * MiB;
const IN_PARALLEL = 2;

let cluster: TestCluster;
let leader: TestNode;
let absent: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower: absent } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

describe('catch-up after downtime', () => {
  it('fetches 200 MiB written while it was down, reports progress, and serves identical bytes', async () => {
    // Recovery is held off while the node comes back, so what it reports mid-catch-up is seen
    // for certain: on loopback 200 MiB can arrive before the first look.
    expect((await putConfig(leader, { recoveryEnabled: false })).status).toBe(200);
    await waitFor('recovery off on the node to be stopped', async () => (await recovery(absent)).recoveryEnabled === false);
    await cluster.kill(absent);

    // Generated one file at a time (never 200 MiB in memory): only names and hashes are kept.
    const written: StoredFile[] = [];
    const names = Array.from({ length: FILES }, (_, i) => `catchup/file-${String(i).padStart(2, '0')}.bin`);
    for (let i = 0; i < names.length; i += IN_PARALLEL) {
      const batch = await Promise.all(
        names.slice(i, i + IN_PARALLEL).map(async (name) => {
          const data = randomBytes(FILE_SIZE);
          const res = await upload(leader, name, data);
          expect(res.status).toBe(201);
          expect(res.body.sha256).toBe(sha256(data));
          return res.body;
        }),
      );
      written.push(...batch);
    }
    const chunks = written.flatMap((f) => f.chunks);
    // Every file's metadata is on the node once its listing holds them all (versions are per file).
    const listsAll = async () => (await json<{ items: unknown[] }>(`${absent.url}/files?prefix=catchup/&limit=100`)).body.items?.length === FILES;

    cluster.spawn(absent);
    await cluster.waitLive(absent);
    const midway = await waitFor('the restarted node to have the log and know what it lacks', async () => {
      const status = await recovery(absent);
      return (await listsAll()) && status.chunksMissing > 0 ? status : undefined;
    });
    expect(midway).toMatchObject({ catchingUp: true, recoveryEnabled: false });
    expect(midway.chunksMissing).toBe(chunks.length);

    expect((await putConfig(leader, { recoveryEnabled: true })).status).toBe(200);
    const done = await waitFor(
      'the restarted node to catch up',
      async () => {
        const status = await recovery(absent);
        return (await listsAll()) && !status.catchingUp && status.chunksMissing === 0 && status.entriesBehind === 0 ? status : undefined;
      },
      60_000,
      50,
    );
    expect(done.chunksFetched).toBeGreaterThanOrEqual(chunks.length);
    expect(done.bytesFetched).toBeGreaterThanOrEqual(FILES * FILE_SIZE);
    expect(done.etaSec).toBeNull();

    // Everything is on its own disk: serving needs no further fetches.
    for (const c of chunks) expect(await holdsIntact(absent, c.hash)).toBe(true);
    for (const file of written) {
      const copy = await downloadHash(absent, file.name);
      expect(copy.status).toBe(200);
      expect(copy.bytes).toBe(FILE_SIZE);
      expect(copy.sha256).toBe(file.sha256);
    }
    expect((await recovery(absent)).chunksFetched).toBe(done.chunksFetched);
  });
});
