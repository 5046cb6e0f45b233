// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ActivityView } from '../../../renderer/src/views/activity/ActivityView';
import { chartWindow, MAX_CHART_POINTS } from '../../../renderer/src/store/chart-window';
import type { MetricSample } from '../../../renderer/src/store/state';
import { healthyCluster, node } from './fixtures';
import { harness } from './fake-deps';
import { renderWithStore } from './render';

function history() {
  const h = harness();
  const start = h.clock.now;
  const MiB = 1024 * 1024;
  for (let i = 0; i < 30; i += 1) {
    const leaderCommit = 120 + i * 3;
    // Node 1 serves the clients throughout: 1 MiB up and 2 MiB down a second.
    const stats = { traffic: { uploadedBytes: i * MiB, downloadedBytes: 2 * i * MiB, requests: 10 * i, proposalsCommitted: 3 * i, proposalsFailed: Math.max(0, i - 22), latencyP50Ms: 4, latencyP95Ms: 20 + i } };
    const base = healthyCluster({ updatedAt: start + i * 1000 });
    const snapshot =
      i < 15
        ? { ...base, nodes: [node(1, { stats, status: { role: 'leader', commitIndex: leaderCommit, lastIndex: leaderCommit } }), node(2), node(3)] }
        : { ...base, leaderId: 2, nodes: [node(1, { stats, status: { term: 5 } }), node(2, { status: { role: 'leader', term: 5, commitIndex: leaderCommit, lastIndex: leaderCommit } }), node(3, { status: { term: 5 } })] };
    h.store.getState().handleEvent({ type: 'snapshot', data: snapshot });
    if (i === 15) h.store.getState().handleEvent({ type: 'leaderChange', data: { time: start + i * 1000, term: 5, leaderId: 2 } });
    h.clock.now = start + i * 1000;
    h.store.getState().recordSample(h.clock.now);
  }
  return h;
}

// Rendering four recharts charts is slow on a loaded machine; give it room.
const CHART_TEST_TIMEOUT_MS = 30_000;

describe('Activity', () => {
  it('charts throughput, latency, commit index, lag and proposals from the accumulated history', () => {
    const h = history();
    expect(h.store.getState().metrics.samples).toHaveLength(30);
    expect(h.store.getState().metrics.samples[20]).toMatchObject({
      leaderCommit: 180,
      term: 5,
      uploadBytesPerSec: 1024 * 1024,
      downloadBytesPerSec: 2 * 1024 * 1024,
      latencyP50Ms: 4,
      latencyP95Ms: 40,
      throughputByNode: { 1: 3 * 1024 * 1024 },
      latencyP95ByNode: { 1: 40 },
      proposalsCommittedPerSec: 3,
      proposalsFailedPerSec: 0,
    });
    expect(h.store.getState().metrics.samples[25]).toMatchObject({ proposalsCommittedPerSec: 3, proposalsFailedPerSec: 1 });
    renderWithStore(<ActivityView />, h.store);
    for (const name of ['Client throughput', 'Request latency', 'Commit index', 'Replication lag', 'Proposals']) {
      const card = screen.getByRole('region', { name });
      expect(card.querySelector('svg')).not.toBeNull();
    }
    const proposals = screen.getByRole('region', { name: 'Proposals' });
    expect(within(proposals).getByText('Committed')).toBeTruthy();
    expect(within(proposals).getByText('Failed')).toBeTruthy();
    const throughput = screen.getByRole('region', { name: 'Client throughput' });
    expect(within(throughput).getByText('Upload')).toBeTruthy();
    expect(within(throughput).getByText('Download')).toBeTruthy();
    const latency = screen.getByRole('region', { name: 'Request latency' });
    expect(within(latency).getByText('p50')).toBeTruthy();
    expect(within(latency).getByText('p95')).toBeTruthy();
    // Each node's own series beside the cluster's.
    expect(within(throughput).getByText('Node 1')).toBeTruthy();
    expect(within(latency).getByText('Node 1 p95')).toBeTruthy();
  }, CHART_TEST_TIMEOUT_MS);

  it('offers 5 min, 15 min and 1 h, and says how long the history covers', () => {
    const h = history();
    renderWithStore(<ActivityView />, h.store);
    const picker = screen.getByRole('radiogroup', { name: 'Time range' });
    expect(within(picker).getByRole('radio', { name: '15 min' }).getAttribute('aria-checked')).toBe('true');
    fireEvent.click(within(picker).getByRole('radio', { name: '1 h' }));
    expect(h.store.getState().metrics.rangeMs).toBe(3_600_000);
    expect(screen.getByText(/The last 1 h, .*the history covers 29 s so far/)).toBeTruthy();
  }, CHART_TEST_TIMEOUT_MS);

  it('keeps the range and thins an hour of samples to a few hundred points, newest kept', () => {
    const sample = (time: number) => ({ time }) as MetricSample;
    const hour = Array.from({ length: 3600 }, (_, i) => sample(i * 1000));
    const all = chartWindow(hour, [{ time: 10_000, term: 2, leaderId: 1 }, { time: 3_500_000, term: 3, leaderId: 2 }], 3_600_000);
    expect(all.samples.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(all.samples.at(-1)?.time).toBe(3_599_000);
    expect(all.marks).toHaveLength(2);
    const last5 = chartWindow(hour, [{ time: 10_000, term: 2, leaderId: 1 }, { time: 3_500_000, term: 3, leaderId: 2 }], 300_000);
    expect(last5.samples).toHaveLength(301);
    expect(last5.samples[0]?.time).toBe(3_299_000);
    expect(last5.marks.map((m) => m.term)).toEqual([3]);
  });

  it('marks leader changes on the time axis and lists them', () => {
    const h = history();
    renderWithStore(<ActivityView />, h.store);
    expect(within(screen.getByRole('region', { name: 'Commit index' })).getAllByText('T5 → n2').length).toBeGreaterThan(0);
    const list = screen.getByRole('region', { name: 'Leader changes' });
    expect(within(list).getByText(/term 5: node 2 leads/)).toBeTruthy();
    expect(within(list).queryByText(/term 4: node 1 leads/)).toBeNull();
  }, CHART_TEST_TIMEOUT_MS);

  it('says it is collecting when there is no history yet', () => {
    const h = harness();
    renderWithStore(<ActivityView />, h.store);
    expect(screen.getByText(/collecting the first points/)).toBeTruthy();
    expect(screen.getByText('None in this time range.')).toBeTruthy();
  });
});
