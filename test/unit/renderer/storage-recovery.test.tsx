// @vitest-environment happy-dom
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RecoveryView } from '../../../renderer/src/views/recovery/RecoveryView';
import { StorageView } from '../../../renderer/src/views/storage/StorageView';
import { healthyCluster, node } from './fixtures';
import { harness } from './fake-deps';
import { renderWithStore } from './render';

describe('Storage', () => {
  it('shows the quota gauge and each node’s disk', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<StorageView />, h.store);
    const gauge = screen.getByRole('progressbar', { name: 'Cluster quota used' });
    expect(gauge.getAttribute('aria-valuenow')).toBe('30');
    expect(screen.getByText('300 MiB of 1000 MiB · 30.0%')).toBeTruthy();
    const table = screen.getByRole('table', { name: 'Disk use per node' });
    const row = within(table).getByRole('row', { name: /Node 2/ });
    expect(within(row).getByText('310 MiB')).toBeTruthy();
    expect(within(row).getByText('48.8 GiB')).toBeTruthy();
    // Its data against the room it may use: data plus free space less the 256 MiB reserve.
    const capacity = within(row).getByRole('progressbar', { name: 'Disk of node 2' });
    expect(capacity.getAttribute('aria-valuenow')).toBe(String(Math.round((310 / (310 + 50_000 - 256)) * 100)));
    expect(capacity.getAttribute('aria-valuetext')).toBe('310 MiB used, 48.6 GiB free');
    expect(within(row).getByText('none yet')).toBeTruthy();
    expect(await screen.findByRole('region', { name: 'Storage over time' }, { timeout: 20_000 })).toBeTruthy();
    // The chart loads the charts library on first use, which is slow on a loaded machine.
  }, 30_000);

  it('warns in colour and words when the quota is nearly full', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: { ...base, nodes: [node(1, { status: { role: 'leader' }, stats: { totalSize: 990 * 1024 * 1024, quotaUsed: 0.99 } }), ...base.nodes.slice(1)] },
    });
    renderWithStore(<StorageView />, h.store);
    const gauge = screen.getByRole('progressbar', { name: 'Cluster quota used' });
    expect(gauge.className).toContain('progress-bad');
    expect(screen.getByText(/10.0 MiB left/)).toBeTruthy();
    expect(screen.queryByText(/Over the quota/)).toBeNull();
  });

  it('says in words that writes are refused when the quota was set below what is stored', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: { ...base, nodes: [node(1, { status: { role: 'leader' }, stats: { totalSize: 300 * 1024 * 1024, quotaLimit: 200 * 1024 * 1024, quotaUsed: 1.5 } }), ...base.nodes.slice(1)] },
    });
    renderWithStore(<StorageView />, h.store);
    expect(screen.getByRole('status').textContent).toBe(
      'Over the quota: 300 MiB stored, 100 MiB more than the 200 MiB allowed. New writes are refused until files are deleted or the quota is raised.',
    );
    expect(screen.getByText(/0 B left/)).toBeTruthy();
  });
});

describe('Recovery', () => {
  it('shows catch-up progress per node: entries, snapshot bytes, chunks, and the last scrub', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: {
        ...base,
        nodes: [
          base.nodes[0]!,
          base.nodes[1]!,
          node(3, {
            status: { appliedIndex: 80, commitIndex: 80, lastIndex: 80 },
            recovery: {
              catchingUp: true,
              entriesBehind: 40,
              snapshot: { inProgress: true, bytesReceived: 1024 * 1024, bytesTotal: 4 * 1024 * 1024 },
              chunksMissing: 30,
              chunksFetched: 10,
              bytesFetched: 10 * 1024 * 1024,
              etaSec: 12,
              scrub: {
                running: false,
                lastRun: { startedAt: '2026-11-26T13:00:00.000Z', finishedAt: '2026-11-26T13:00:05.000Z', checked: 320, corrupt: 2, repaired: 2, unrepairable: 0, bytesPerSec: 64 * 1024 * 1024, bytesChecked: 320 * 1024 * 1024, removed: 0, leftCorrupt: 0, missing: 0 },
                current: null,
              },
            },
          }),
        ],
      },
    });
    renderWithStore(<RecoveryView />, h.store);
    const card = screen.getByRole('region', { name: 'Recovery of node 3' });
    expect(within(card).getByText('Catching up')).toBeTruthy();
    expect(within(card).getByText('40 behind')).toBeTruthy();
    expect(within(card).getByRole('progressbar', { name: 'Log catch-up of node 3' }).getAttribute('aria-valuenow')).toBe('80');
    expect(within(card).getByRole('progressbar', { name: 'Snapshot transfer to node 3' }).getAttribute('aria-valuenow')).toBe(String(1024 * 1024));
    expect(within(card).getByText('1.00 MiB of 4.00 MiB')).toBeTruthy();
    expect(within(card).getByText('10 of 40 · 10.0 MiB')).toBeTruthy();
    expect(within(card).getByText('320 chunks · 320 MiB')).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Recovery of node 2' })).getByText('In sync')).toBeTruthy();
  });

  it('shows a running scrub against the chunks on disk, and what the background services did', () => {
    const h = harness();
    const base = healthyCluster();
    const run = { startedAt: '2026-11-26T13:59:00.000Z', finishedAt: null, checked: 80, corrupt: 1, repaired: 1, unrepairable: 0, bytesPerSec: 8 * 1024 * 1024, bytesChecked: 80 * 1024 * 1024, removed: 0, leftCorrupt: 0, missing: 2 };
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: {
        ...base,
        nodes: [
          node(1, {
            status: { role: 'leader' },
            recovery: {
              scrub: { running: true, lastRun: null, current: run },
              backgroundServices: {
                gc: { lastRunAt: '2026-11-26T13:58:00.000Z', lastDurationMs: 12, lastError: null, running: false, lastResult: { removed: 3 } },
                repair: { lastRunAt: '2026-11-26T13:58:30.000Z', lastDurationMs: 40, lastError: 'node 3 did not answer', running: false, lastResult: null },
              },
            },
          }),
          ...base.nodes.slice(1),
        ],
      },
    });
    renderWithStore(<RecoveryView />, h.store);
    const card = screen.getByRole('region', { name: 'Recovery of node 1' });
    expect(within(card).getByText('running: 80 of 320 chunks')).toBeTruthy();
    expect(within(card).getByRole('progressbar', { name: 'Scrub of node 1' }).getAttribute('aria-valuenow')).toBe('80');
    expect(within(card).getByText('Missing')).toBeTruthy();
    const services = within(card).getByRole('table', { name: 'Background services of node 1' });
    expect(within(services).getByRole('row', { name: /gc/ }).textContent).toContain('removed: 3');
    expect(within(services).getByRole('row', { name: /repair/ }).textContent).toContain('node 3 did not answer');
  });

  it('lists recovery events, newest first, with an empty state before any', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({ type: 'snapshot', data: base });
    const { unmount } = renderWithStore(<RecoveryView />, h.store);
    expect(screen.getByText(/Nothing has happened since the dashboard opened/)).toBeTruthy();
    unmount();
    h.store.getState().handleEvent({ type: 'snapshot', data: { ...base, nodes: [base.nodes[0]!, base.nodes[1]!, node(3, { reachable: false, report: null })] } });
    h.store.getState().handleEvent({ type: 'snapshot', data: base });
    renderWithStore(<RecoveryView />, h.store);
    const items = within(screen.getByRole('list', { name: 'Recovery events' })).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      // The fixture's node 3 has applied 117 of the 120 entries committed: not whole yet.
      expect.stringContaining('catching up after being down: 0 entries, 0 chunks (0 B) so far'),
      expect.stringContaining('answering again'),
      expect.stringContaining('stopped answering (running: started by the supervisor)'),
    ]);
  });
});
