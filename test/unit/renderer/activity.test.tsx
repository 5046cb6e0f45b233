// @vitest-environment happy-dom
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ActivityView } from '../../../renderer/src/views/activity/ActivityView';
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
    const stats = { traffic: { uploadedBytes: i * MiB, downloadedBytes: 2 * i * MiB, requests: 10 * i, latencyP50Ms: 4, latencyP95Ms: 20 + i } };
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
  it('charts throughput, latency, commit index and lag from the accumulated history', () => {
    const h = history();
    expect(h.store.getState().metrics.samples).toHaveLength(30);
    expect(h.store.getState().metrics.samples[20]).toMatchObject({
      leaderCommit: 180,
      term: 5,
      uploadBytesPerSec: 1024 * 1024,
      downloadBytesPerSec: 2 * 1024 * 1024,
      latencyP50Ms: 4,
      latencyP95Ms: 40,
    });
    renderWithStore(<ActivityView />, h.store);
    for (const name of ['Client throughput', 'Request latency', 'Commit index', 'Replication lag']) {
      const card = screen.getByRole('region', { name });
      expect(card.querySelector('svg')).not.toBeNull();
    }
    const throughput = screen.getByRole('region', { name: 'Client throughput' });
    expect(within(throughput).getByText('Upload')).toBeTruthy();
    expect(within(throughput).getByText('Download')).toBeTruthy();
    const latency = screen.getByRole('region', { name: 'Request latency' });
    expect(within(latency).getByText('p50')).toBeTruthy();
    expect(within(latency).getByText('p95')).toBeTruthy();
  }, CHART_TEST_TIMEOUT_MS);

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
    expect(screen.getByText('None in the last ten minutes.')).toBeTruthy();
  });
});
