// A real node runs under the heap policy (node-runtime/node/heap-policy.ts): started the way every
// launcher starts it (the dfs-node entry point), it says so when it listens, and
// DFS_HEAP_GROWING_PERCENT / DFS_FIXED_YOUNG_GENERATION change or turn it off. That V8 obeys the setting is
// test/unit/node/heap-policy.test.ts's job (a real V8's own trace).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../../node-runtime/node/heap-policy';
import { TestCluster, waitFor } from './harness';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** The heap policy a one-node cluster's node reported in its 'listening' log line. */
async function policyOfNodeStartedWith(env: NodeJS.ProcessEnv): Promise<{ heapGrowingPercent?: unknown; fixedYoungGeneration?: unknown }> {
  cluster = await TestCluster.start({ nodes: 1, env });
  const logFile = path.join((cluster as TestCluster).dir, 'node-1.log');
  // /livez answers as soon as the port listens; the line comes once the node is wired: polled.
  const listening = await waitFor('the node to log that it listens', async () =>
    (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event?: string; heapGrowingPercent?: unknown; fixedYoungGeneration?: unknown })
      .find((entry) => entry.event === 'listening'),
  );
  return { heapGrowingPercent: listening.heapGrowingPercent, fixedYoungGeneration: listening.fixedYoungGeneration };
}

describe('heap policy on a real node', () => {
  it('is on by default', async () => {
    expect(await policyOfNodeStartedWith({})).toEqual({ heapGrowingPercent: DEFAULT_HEAP_GROWING_PERCENT, fixedYoungGeneration: true });
  });

  it('follows DFS_HEAP_GROWING_PERCENT, 0 leaving V8 its own sizing', async () => {
    expect((await policyOfNodeStartedWith({ DFS_HEAP_GROWING_PERCENT: '50' })).heapGrowingPercent).toBe(50);
    await cluster?.stop();
    expect((await policyOfNodeStartedWith({ DFS_HEAP_GROWING_PERCENT: '0' })).heapGrowingPercent).toBeNull();
  });

  it('leaves the young generation to V8 with DFS_FIXED_YOUNG_GENERATION=0', async () => {
    expect((await policyOfNodeStartedWith({ DFS_FIXED_YOUNG_GENERATION: '0' })).fixedYoungGeneration).toBe(false);
  });
});
