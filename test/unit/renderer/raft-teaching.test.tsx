// @vitest-environment happy-dom
// The Raft view as a teacher: appends drawn from the leader's pushed progress, election timers
// from real contact times, a log strip reaching back past the newest 24 entries.
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../node-runtime/common/node-events';
import { appendsInFlight, APPEND_FLIGHT_MS } from '../../../renderer/src/store/election-derive';
import { electionEventsAfter } from '../../../renderer/src/store/election-events';
import type { ReceivedNodeEvent } from '../../../renderer/src/store/state';
import { logRange, VISIBLE_ENTRIES } from '../../../renderer/src/views/raft/LogStrips';
import { RaftView } from '../../../renderer/src/views/raft/RaftView';
import { harness } from './fake-deps';
import { healthyCluster, node, T0 } from './fixtures';
import { renderWithStore } from './render';

let seq = 0;
function progress(nodeId: number, matches: Record<number, number>, commit = 0): NodeEvent {
  seq += 1;
  const peers = Object.entries(matches).map(([id, match]) => ({ id: Number(id), match, state: 'replicate' as const }));
  return { node: nodeId, seq, runStartedAt: 1, time: 0, type: 'progress', term: 4, commitIndex: commit, appliedIndex: commit, lastIndex: commit, snapshotIndex: 0, peers };
}

function received(steps: readonly [number, NodeEvent][]): readonly ReceivedNodeEvent[] {
  return steps.reduce<readonly ReceivedNodeEvent[]>((events, [at, event]) => electionEventsAfter(events, event, T0 + at), []);
}

describe('append dots', () => {
  it('fly from the leader to each follower whose match index its progress shows moving, for their flight only', () => {
    // The leader's previous progress was long ago (an idle cluster): it is still kept to compare with.
    const events = received([
      [0, progress(1, { 2: 120, 3: 117 }, 120)],
      [60_000, progress(1, { 2: 123, 3: 117 }, 123)],
      [60_050, progress(2, {}, 123)], // a follower's progress tells of no append
      [60_100, progress(1, { 2: 123, 3: 123 }, 123)],
    ]);
    expect(appendsInFlight(events, T0 + 60_150).map(({ from, to, entries, at }) => ({ from, to, entries, at: at - T0 }))).toEqual([
      { from: 1, to: 2, entries: 3, at: 60_000 },
      { from: 1, to: 3, entries: 6, at: 60_100 },
    ]);
    expect(appendsInFlight(events, T0 + 60_100 + APPEND_FLIGHT_MS + 1)).toEqual([]);
    // Replayed to a moment before the second event, only the first dot exists.
    expect(appendsInFlight(events, T0 + 60_050).map((a) => a.to)).toEqual([2]);
  });
});

describe('log strip', () => {
  it('draws back to the oldest entry any node reported, so the user can scroll past the newest 24', () => {
    const nodes = [node(1, { status: { lastIndex: 124, logTerms: [{ from: 1, to: 124, term: 3 }] } }), node(2, { status: { lastIndex: 124, logTerms: [{ from: 60, to: 124, term: 3 }] } })];
    expect(logRange(nodes)).toEqual({ from: 1, to: 124 });
    // A young log still shows a strip of 24 boxes.
    expect(logRange([node(1, { status: { lastIndex: 2, logTerms: [{ from: 1, to: 2, term: 1 }] } })])).toEqual({ from: 1, to: VISIBLE_ENTRIES });
  });

  it('renders every reported entry in one scrollable group, newest last', () => {
    const h = harness();
    const grown = [{ from: 1, to: 124, term: 3 }];
    h.store.getState().handleEvent({ type: 'snapshot', data: { ...healthyCluster(), nodes: [node(1, { status: { role: 'leader', lastIndex: 124, commitIndex: 124, appliedIndex: 124, logTerms: grown } })] } });
    renderWithStore(<RaftView />, h.store);
    const scroller = screen.getByRole('group', { name: 'Log entries 1–124, newest on the right; scroll back for older ones' });
    const cells = scroller.querySelectorAll('.log-cell');
    expect(cells).toHaveLength(124);
    expect(cells[0]?.getAttribute('title')).toBe('Index 1, term 3, committed');
    expect(cells[123]?.getAttribute('title')).toBe('Index 124, term 3, committed');
  });
});

describe('election timer', () => {
  it('tells in the ring how much of its election timeout each follower has left', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<RaftView />, h.store);
    const ring = screen.getByRole('img', { name: /^Raft ring\./ });
    // Node 2 was last heard 40 ms ago, node 3 60 ms ago, of a 1000 ms timeout; the leader has none.
    expect(ring.getAttribute('aria-label')).toContain('committed 120, election timer 96% left');
    expect(ring.getAttribute('aria-label')).toContain('committed 117, election timer 94% left');
    expect([...ring.querySelectorAll('path.election-timer')].map((p) => p.getAttribute('data-left'))).toEqual(['0.960', '0.940']);
  });
});
