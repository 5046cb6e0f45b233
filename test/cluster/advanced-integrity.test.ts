// Integrity on real processes: bytes flipped in a chunk file are found by the scrubber and
// repaired from a peer; a deleted chunk file comes back; with recovery off the scrubber only
// reports; the scrub rate is honoured; and a download never serves bytes that fail their hash.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScrubProgress } from '../../node-runtime/services/scrubber';
import type { ServiceRun } from '../../node-runtime/services/service-runs';
import { chunkPath, downloadHash, holdsIntact, MiB, putConfig, recovery, sha256, upload, waitApplied } from './advanced-helpers';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from './harness';

let cluster: TestCluster;
let leader: TestNode;
let victim: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower: victim } = await startWithLeader());
  // 1 MiB chunks, so the test files span several chunks and one can be damaged alone.
  const changedAt = new Date().toISOString();
  const set = await json(`${leader.url}/config`, { method: 'PUT', body: JSON.stringify({ chunkSize: MiB }) });
  expect(set.status).toBe(200);
  // A config change starts a catch-up pass on every node; let it finish before the tests damage
  // chunks, or it could fetch a deliberately deleted chunk back before the scrub looks.
  for (const node of cluster.nodes) {
    await waitFor(`node ${node.id}'s catch-up pass after the config change`, async () => {
      const run = (await recovery(node)).backgroundServices.repair as ServiceRun | undefined;
      return run !== undefined && !run.running && run.lastRunAt !== null && run.lastRunAt >= changedAt;
    });
  }
});
afterAll(async () => {
  await cluster?.stop();
});

/** Stores a file and waits until every node holds every chunk of it intact. */
async function storeEverywhere(name: string, data: Buffer) {
  const res = await upload(leader, name, data);
  expect(res.status).toBe(201);
  await waitApplied(cluster, name, res.body.version);
  await waitFor(`every node to hold ${name}'s chunks`, async () => {
    for (const n of cluster.nodes) for (const c of res.body.chunks) if (!(await holdsIntact(n, c.hash))) return false;
    return true;
  });
  return res.body;
}

async function flipBytes(node: TestNode, hash: string): Promise<void> {
  const file = chunkPath(node, hash);
  const bytes = await readFile(file);
  for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 1]) bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(file, bytes);
  expect(await holdsIntact(node, hash)).toBe(false);
}

/** POST /scrub, then the pass it started, once it has ended. */
async function scrubNow(node: TestNode): Promise<ScrubProgress> {
  const before = (await recovery(node)).scrub.lastRun?.startedAt ?? null;
  const started = await json<{ started: boolean }>(`${node.url}/scrub`, { method: 'POST' });
  expect(started.status).toBe(202);
  expect(started.body.started).toBe(true);
  return waitFor(
    `a scrub pass on node ${node.id} to finish`,
    async () => {
      const { scrub } = await recovery(node);
      const last = scrub.lastRun as ScrubProgress | null;
      return !scrub.running && last && last.startedAt !== before && last.finishedAt !== null ? last : undefined;
    },
    20_000,
  );
}

describe('integrity: scrub, repair, verified reads', () => {
  it('finds flipped bytes in a chunk file, repairs them from a peer and serves the right bytes', async () => {
    const data = randomBytes(2 * MiB + 4321);
    const file = await storeEverywhere('integrity/flipped.bin', data);
    const damaged = file.chunks[1]?.hash as string;
    await flipBytes(victim, damaged);

    const run = await scrubNow(victim);
    expect(run.checked).toBeGreaterThanOrEqual(file.chunks.length);
    expect(run.corrupt).toBe(1);
    expect(run.repaired).toBe(1);
    expect(run.unrepairable).toBe(0);
    expect(run.bytesPerSec).toBeGreaterThan(0);
    expect(Date.parse(run.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(await holdsIntact(victim, damaged)).toBe(true);

    const status = await recovery(victim);
    const scrubber = status.backgroundServices.scrubber as ServiceRun;
    expect(scrubber.lastRunAt).not.toBeNull();
    expect(scrubber.lastError).toBeNull();
    expect(scrubber.lastResult).toMatchObject({ corrupt: 1, repaired: 1 });
    expect(Object.keys(status.backgroundServices).sort()).toEqual(['gc', 'lockExpiry', 'repair', 'scrubber', 'snapshot']);

    const copy = await downloadHash(victim, 'integrity/flipped.bin');
    expect(copy.status).toBe(200);
    expect(copy.sha256).toBe(sha256(data));
  });

  it('repairs a read of a corrupt chunk on disk too, so the next read needs no peer', async () => {
    const data = randomBytes(MiB + 7);
    const file = await storeEverywhere('integrity/read-repair.bin', data);
    const damaged = file.chunks[0]?.hash as string;
    await flipBytes(victim, damaged);
    const copy = await downloadHash(victim, 'integrity/read-repair.bin');
    expect(copy.sha256).toBe(sha256(data));
    await waitFor('the read to leave an intact chunk on disk', () => holdsIntact(victim, damaged));
  });

  it('brings back a chunk file that was deleted from disk', async () => {
    const data = randomBytes(MiB + 99);
    const file = await storeEverywhere('integrity/deleted.bin', data);
    const gone = file.chunks[1]?.hash as string;
    await rm(chunkPath(victim, gone));
    expect(await scrubNow(victim)).toMatchObject({ missing: 1 });
    await waitFor('the deleted chunk to be fetched again', () => holdsIntact(victim, gone));
    expect((await downloadHash(victim, 'integrity/deleted.bin')).sha256).toBe(sha256(data));
  });

  it('with recoveryEnabled false only reports damage; turned back on, missing chunks return by themselves and a scrub repairs', async () => {
    const data = randomBytes(MiB + 5);
    const file = await storeEverywhere('integrity/no-recovery.bin', data);
    expect((await putConfig(victim, { recoveryEnabled: false })).status).toBe(200);
    await waitFor('recovery off on the victim', async () => (await recovery(victim)).recoveryEnabled === false);
    const damaged = file.chunks[0]?.hash as string;
    const gone = file.chunks[1]?.hash as string;
    await flipBytes(victim, damaged);
    await rm(chunkPath(victim, gone));

    const reported = await scrubNow(victim);
    expect(reported).toMatchObject({ corrupt: 1, repaired: 0, unrepairable: 0, leftCorrupt: 1, missing: 1 });
    expect(await holdsIntact(victim, damaged)).toBe(false);
    expect(await holdsIntact(victim, gone)).toBe(false);
    expect((await recovery(victim)).recoveryEnabled).toBe(false);

    expect((await putConfig(leader, { recoveryEnabled: true })).status).toBe(200);
    await waitFor('recovery on again on the victim', async () => (await recovery(victim)).recoveryEnabled === true);
    await waitFor('the missing chunk to come back without a scrub', () => holdsIntact(victim, gone));
    await waitFor('nothing missing any more', async () => (await recovery(victim)).chunksMissing === 0);
    const repaired = await scrubNow(victim);
    expect(repaired).toMatchObject({ corrupt: 1, repaired: 1 });
    expect(await holdsIntact(victim, damaged)).toBe(true);
  });

  it('reads no faster than scrubRateBytesPerSec', async () => {
    const rate = 4 * MiB;
    expect((await putConfig(leader, { scrubRateBytesPerSec: rate })).status).toBe(200);
    await waitFor('the rate on the victim', async () => (await json<Record<string, { value: unknown }>>(`${victim.url}/config`)).body.scrubRateBytesPerSec?.value === rate);
    const started = Date.now();
    const run = await scrubNow(victim);
    const bytes = run.bytesChecked;
    expect(bytes).toBeGreaterThan(4 * MiB);
    // Each piece is read only once the budget allows it.
    expect(Date.now() - started).toBeGreaterThanOrEqual((bytes / rate) * 1000 - 250);
    expect(run.bytesPerSec).toBeLessThanOrEqual(rate * 1.1);
  });

  it('keeps the last pass across a restart, and does not scrub with a rate of 0', async () => {
    const last = (await recovery(victim)).scrub.lastRun as ScrubProgress;
    expect(last).not.toBeNull();
    await cluster.restart(victim);
    await waitFor('the restarted node to report its last pass', async () => (await recovery(victim)).scrub.lastRun?.startedAt === last.startedAt);
    expect((await recovery(victim)).scrub.lastRun).toMatchObject({ checked: last.checked, corrupt: last.corrupt, repaired: last.repaired });

    expect((await putConfig(leader, { scrubRateBytesPerSec: 0 })).status).toBe(200);
    await waitFor('the rate of 0 on the victim', async () => (await json<Record<string, { value: unknown }>>(`${victim.url}/config`)).body.scrubRateBytesPerSec?.value === 0);
    const refused = await json<{ started: boolean }>(`${victim.url}/scrub`, { method: 'POST' });
    expect(refused.body.started).toBe(false);
    expect((await recovery(victim)).scrub.running).toBe(false);
    expect((await putConfig(leader, { scrubRateBytesPerSec: 64 * MiB })).status).toBe(200);
    await waitFor('scrubbing enabled again on the victim', async () => (await json<Record<string, { value: unknown }>>(`${victim.url}/config`)).body.scrubRateBytesPerSec?.value === 64 * MiB);
  });

  it('never serves bytes that fail their hash: with every copy damaged, the download fails and scrub says unrepairable', async () => {
    const data = randomBytes(MiB + 11);
    const file = await storeEverywhere('integrity/all-bad.bin', data);
    const damaged = file.chunks[0]?.hash as string;
    for (const n of cluster.nodes) await flipBytes(n, damaged);
    // The upload's replication may still be settling (a push the leader saw fail is sent once
    // more, and lands a good copy over a damaged one): damage any copy that came back, until two
    // looks in a row find none.
    let quietLooks = 0;
    await waitFor('every copy of the chunk to stay damaged', async () => {
      let intact = 0;
      for (const n of cluster.nodes) {
        if (await holdsIntact(n, damaged)) {
          intact++;
          await flipBytes(n, damaged);
        }
      }
      quietLooks = intact === 0 ? quietLooks + 1 : 0;
      return quietLooks >= 2;
    });

    // The first chunk has no good copy anywhere: the node refuses or cuts the response short.
    const outcome = await fetch(`${victim.url}/download?name=integrity/all-bad.bin`)
      .then(async (r) => ({ status: r.status, bytes: Buffer.from(await r.arrayBuffer()) }))
      .catch(() => null);
    if (outcome?.status === 200 && outcome.bytes.length === data.length) {
      // Say which: damaged bytes served (the promise broken), or a good copy that reappeared.
      expect(outcome.bytes.equals(data), 'the download served every byte, and they are the original ones: a good copy reappeared').toBe(false);
      expect.fail('the download served every byte of a chunk whose every copy is damaged');
    }
    if (outcome?.status === 200) expect(outcome.bytes.length).toBe(0);

    const run = await scrubNow(victim);
    expect(run.corrupt).toBeGreaterThanOrEqual(1);
    expect(run.unrepairable).toBeGreaterThanOrEqual(1);
  });
});
