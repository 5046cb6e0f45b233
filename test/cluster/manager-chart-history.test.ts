// The charts' hour survives a manager restart: a manager over fake nodes records its snapshots,
// stops, and the next manager on the same data dir answers them from /api/chart-history, with
// its own after them.
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ChartRecord } from '../../node-runtime/common/manager-api';
import type { Manager } from '../../electron/manager/manager';
import { makeTempDir, startFakeManager, waitFor } from '../fixtures/manager/helpers';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean();
});

async function chartHistory(manager: Manager): Promise<ChartRecord[]> {
  const res = await fetch(`http://127.0.0.1:${manager.port}/api/chart-history?since=0`, { headers: { authorization: `Bearer ${manager.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ChartRecord[];
}

it('answers the snapshots of the run before a restart, then its own', async () => {
  const temp = await makeTempDir('dfs-chart-restart-');
  cleanups.push(temp.remove);
  const dataDir = path.join(temp.dir, 'data');
  const first = await startFakeManager(dataDir);
  let firstStopped = false;
  cleanups.push(async () => {
    if (!firstStopped) await first.stop();
  });
  const before = await waitFor('chart history of the first run', async () => {
    const records = (await chartHistory(first)).filter((r) => r.name === 'snapshot');
    return records.length > 0 ? records : undefined;
  }, 30_000);
  await first.stop();
  firstStopped = true;

  const second = await startFakeManager(dataDir);
  cleanups.push(() => second.stop());
  const restartedAt = Date.now();
  const after = await waitFor('a snapshot of the new run', async () => {
    const records = await chartHistory(second);
    return records.some((r) => r.at >= restartedAt) ? records : undefined;
  }, 30_000);
  const times = after.map((r) => r.at);
  for (const record of before) expect(times).toContain(record.at);
  expect(times).toEqual([...times].sort((a, b) => a - b));
}, 90_000);
