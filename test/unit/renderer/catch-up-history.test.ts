// Catch-ups folded from snapshots (out and back) and node events (log and fetch counters): each
// isolate/heal and stop/restart cycle is its own entry with its own totals, never lifetime ones.
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, JournalRecord } from '../../../node-runtime/common/manager-api';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { foldCatchUps, NO_CATCH_UPS, type CatchUpHistory } from '../../../renderer/src/store/catch-up-history';
import { healthyCluster, node, T0 } from './fixtures';

const RUN_1 = T0 - 60_000;
const RUN_2 = T0 + 5_000;
let seq = 0;

/**
 * Node 3's state as the manager sees it: up, cut off from its peers, or down. No node's report:
 * where logs and counters stand comes from the events here (a report seeds it: tested below).
 */
function cluster(state: 'up' | 'cutOff' | 'down'): ClusterSnapshot {
  const base = healthyCluster();
  const cut = state === 'cutOff';
  return {
    ...base,
    nodes: [
      node(1, { report: null, partitionedFrom: cut ? [3] : [] }),
      node(2, { report: null, partitionedFrom: cut ? [3] : [] }),
      node(3, { report: null, reachable: state !== 'down', partitionedFrom: cut ? [1, 2] : [] }),
    ],
  };
}

function progress(id: number, run: number, index: { commit: number; applied?: number; last?: number }): NodeEvent {
  seq += 1;
  const { commit, applied = commit, last = commit } = index;
  return { node: id, seq, runStartedAt: run, time: 0, type: 'progress', term: 4, commitIndex: commit, appliedIndex: applied, lastIndex: last, snapshotIndex: 0, peers: [] };
}

function catchUp(id: number, run: number, catchingUp: boolean, chunksFetched: number, bytesFetched: number): NodeEvent {
  seq += 1;
  return { node: id, seq, runStartedAt: run, time: 0, type: 'catchUp', catchingUp, entriesBehind: 0, chunksMissing: catchingUp ? 1 : 0, chunksFetched, bytesFetched };
}

/** Folds records given as [ms after T0, snapshot or event]. */
function fold(history: CatchUpHistory, steps: readonly [number, ClusterSnapshot | NodeEvent][]): CatchUpHistory {
  return steps.reduce((h, [ms, data]): CatchUpHistory => {
    const record: JournalRecord = 'nodes' in data ? { at: T0 + ms, name: 'snapshot', data } : { at: T0 + ms, name: 'nodeEvent', data };
    return foldCatchUps(h, record);
  }, history);
}

describe('catch-up history', () => {
  it('gives each isolate/heal cycle its own entry with what was fetched during it', () => {
    const h = fold(NO_CATCH_UPS, [
      [0, cluster('up')],
      [10, progress(3, RUN_1, { commit: 100 })],
      [20, catchUp(3, RUN_1, false, 5, 5_000)], // fetched before the test: not any catch-up's
      [1_000, cluster('cutOff')],
      [1_500, progress(1, RUN_1, { commit: 130 })], // the others commit 30 more entries
      [2_000, cluster('up')],
      [2_100, progress(3, RUN_1, { commit: 130, applied: 120, last: 130 })],
      [2_300, catchUp(3, RUN_1, true, 7, 7_000)],
      [2_600, progress(3, RUN_1, { commit: 130 })],
      [2_800, catchUp(3, RUN_1, false, 8, 8_000)],
      // A second cycle: 10 entries, 1 chunk.
      [10_000, cluster('cutOff')],
      [10_500, progress(1, RUN_1, { commit: 140 })],
      [11_000, cluster('up')],
      [11_100, progress(3, RUN_1, { commit: 140 })],
      [11_300, catchUp(3, RUN_1, false, 9, 9_000)],
    ]);
    expect(h.catchUps).toEqual([
      { id: 1, nodeId: 3, reason: 'cutOff', outAt: T0 + 1_000, startedAt: T0 + 2_000, endedAt: T0 + 2_800, entries: 30, chunks: 3, bytes: 3_000 },
      { id: 2, nodeId: 3, reason: 'cutOff', outAt: T0 + 10_000, startedAt: T0 + 11_000, endedAt: T0 + 11_100, entries: 10, chunks: 1, bytes: 1_000 },
    ]);
  });

  it('counts a restarted node from zero: its new run counts afresh', () => {
    const h = fold(NO_CATCH_UPS, [
      [0, cluster('up')],
      [10, progress(3, RUN_1, { commit: 100 })],
      [20, catchUp(3, RUN_1, false, 40, 40_000)],
      [1_000, cluster('down')],
      [2_000, progress(1, RUN_1, { commit: 125 })],
      [5_000, cluster('up')],
      [5_100, progress(3, RUN_2, { commit: 110, applied: 100, last: 110 })],
      [5_200, catchUp(3, RUN_2, true, 2, 2_048)],
    ]);
    expect(h.catchUps).toEqual([{ id: 1, nodeId: 3, reason: 'down', outAt: T0 + 1_000, startedAt: T0 + 5_000, endedAt: null, entries: 10, chunks: 2, bytes: 2_048 }]);
    // A late event of the old run changes nothing; the new run reaching the cluster's commit ends it.
    const late = fold(h, [[5_300, catchUp(3, RUN_1, false, 41, 41_000)]]);
    expect(late.catchUps).toEqual(h.catchUps);
    const done = fold(late, [
      [5_400, progress(3, RUN_2, { commit: 125 })],
      [5_600, catchUp(3, RUN_2, false, 4, 4_096)],
    ]);
    expect(done.catchUps).toEqual([{ id: 1, nodeId: 3, reason: 'down', outAt: T0 + 1_000, startedAt: T0 + 5_000, endedAt: T0 + 5_600, entries: 25, chunks: 4, bytes: 4_096 }]);
  });

  it('takes chunk counts reported just after the log was whole, and reopens when fetching resumes later', () => {
    const h = fold(NO_CATCH_UPS, [
      [0, cluster('up')],
      [10, progress(3, RUN_1, { commit: 100 })],
      [1_000, cluster('cutOff')],
      [2_000, cluster('up')],
      [2_100, progress(3, RUN_1, { commit: 100 })],
      // Nothing was committed meanwhile: whole as soon as it is back, by its log; the counters it
      // looks at every 250 ms tell of a chunk fetched just after.
      [2_300, catchUp(3, RUN_1, false, 1, 100)],
    ]);
    expect(h.catchUps[0]).toMatchObject({ endedAt: T0 + 2_000, entries: 0, chunks: 1, bytes: 100 });
    const resumed = fold(h, [[9_000, catchUp(3, RUN_1, true, 2, 200)]]);
    expect(resumed.catchUps[0]).toMatchObject({ endedAt: null, chunks: 2, bytes: 200 });
    // Later fetches outside any catch-up (a read repair, say) are not added to a finished one.
    const ended = fold(resumed, [[9_300, catchUp(3, RUN_1, false, 3, 300)], [20_000, catchUp(3, RUN_1, false, 9, 900)]]);
    expect(ended.catchUps[0]).toMatchObject({ endedAt: T0 + 9_300, chunks: 3, bytes: 300 });
  });

  it("measures from where a node's last report stood when no event told of it yet (the page opened while it was quiet)", () => {
    const reported = (reachable: boolean) => ({ ...healthyCluster(), nodes: [node(1), node(2), node(3, { reachable, status: { commitIndex: 117, appliedIndex: 117, lastIndex: 117 }, recovery: { chunksFetched: 50, bytesFetched: 50_000 } })] });
    const h = fold(NO_CATCH_UPS, [
      [0, reported(true)], // node 3: 117 of the 120 committed, 50 chunks fetched this run
      [1_000, reported(false)],
      [2_000, reported(true)],
      [2_100, progress(3, RUN_1, { commit: 120 })],
      [2_300, catchUp(3, RUN_1, false, 52, 52_000)],
    ]);
    expect(h.catchUps).toEqual([{ id: 1, nodeId: 3, reason: 'down', outAt: T0 + 1_000, startedAt: T0 + 2_000, endedAt: T0 + 2_100, entries: 3, chunks: 2, bytes: 2_000 }]);
  });
});
