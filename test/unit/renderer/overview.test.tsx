// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/App';
import { OverviewView } from '../../../renderer/src/views/overview/OverviewView';
import { healthyCluster, noQuorumCluster, node } from './fixtures';
import { commandsSent, failWith, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

describe('Overview', () => {
  it('shows a card per node with the leader clearly marked', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<OverviewView />, h.store);
    const cards = ['Node 1', 'Node 2', 'Node 3'].map((name) => screen.getByRole('region', { name }));
    expect(within(cards[0]!).getByText('Leader')).toBeTruthy();
    expect(within(cards[1]!).queryByText('Leader')).toBeNull();
    expect(within(cards[2]!).getByText('3 entries')).toBeTruthy();
    expect(within(cards[2]!).getByText('117 / 117')).toBeTruthy();
    expect(within(cards[1]!).getByText('pid 4242', { exact: false })).toBeTruthy();
    expect(within(cards[1]!).getByText('API 8082 · peer 3031')).toBeTruthy();
    // Each card carries its node's own capacity bar.
    cards.forEach((card, i) => expect(within(card).getByRole('progressbar', { name: `Disk of node ${i + 1}` }).getAttribute('aria-valuetext')).toMatch(/ used, .* free$/));
  });

  it('sends node controls as commands', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<OverviewView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Kill node 1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Pause node 2' }));
    fireEvent.click(screen.getByRole('button', { name: 'Make node 3 leader' }));
    fireEvent.click(screen.getByRole('button', { name: 'Isolate node 3' }));
    await act(settle);
    expect(commandsSent(h)).toEqual([
      'POST /api/nodes/1/kill',
      'POST /api/nodes/2/pause',
      'POST /api/nodes/3/leadership',
      'POST /api/partition',
    ]);
    expect(screen.queryByRole('button', { name: 'Make node 1 leader' })).toBeNull();
  });

  it('asks before removing a node, and adds one', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<OverviewView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Remove node 3' }));
    expect(commandsSent(h)).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm remove node 3' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add node' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['DELETE /api/nodes/3', 'POST /api/nodes']);
  });

  it('offers Start for a stopped node and Heal for an isolated one', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: {
        ...base,
        nodes: [base.nodes[0]!, node(2, { partitionedFrom: [1, 3] }), node(3, { reachable: false, report: null, process: { ...base.nodes[2]!.process!, state: 'stopped', pid: null, startedAt: null } })],
      },
    });
    renderWithStore(<OverviewView />, h.store);
    expect(screen.getByRole('button', { name: 'Start node 3' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Kill node 3' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Heal node 2' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Heal all partitions' })).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Node 3' })).getByText('Unreachable')).toBeTruthy();
  });

  it('marks only the cut-off side of a partition as isolated', () => {
    const h = harness();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: healthyCluster({ health: 'degraded', faultTolerance: 0, nodes: [node(1, { status: { role: 'leader' }, partitionedFrom: [3] }), node(2, { partitionedFrom: [3] }), node(3, { partitionedFrom: [1, 2] })] }),
    });
    renderWithStore(<OverviewView />, h.store);
    const first = screen.getByRole('region', { name: 'Node 1' });
    expect(within(first).queryByText('Isolated')).toBeNull();
    expect(within(first).getByText('node 3')).toBeTruthy();
    expect(within(first).getByRole('button', { name: 'Isolate node 1' })).toBeTruthy();
    const third = screen.getByRole('region', { name: 'Node 3' });
    expect(within(third).getByText('Isolated')).toBeTruthy();
    expect(within(third).getByRole('button', { name: 'Heal node 3' })).toBeTruthy();
  });
});

describe('the dashboard shell', () => {
  it('says when it is waiting for the manager, and when the manager is lost, with a way forward', () => {
    const h = harness();
    h.store.getState().connect();
    renderWithStore(<App />, h.store);
    expect(screen.getByRole('status', { name: '' }).textContent).toMatch(/Connecting to the cluster manager/);
    act(() => h.events.emit({ type: 'snapshot', data: healthyCluster() }));
    expect(screen.getByRole('status', { name: 'Cluster Healthy' })).toBeTruthy();
    act(() => h.events.fail());
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(/Lost contact with the cluster manager/);
    expect(screen.getByRole('status', { name: 'Cluster Unknown' }).getAttribute('title')).toMatch(/Last known: healthy/);
    fireEvent.click(within(alert).getByRole('button', { name: 'Reconnect now' }));
    expect(h.events.opened).toBe(2);
    h.store.getState().disconnect();
  });

  it('says when the manager refused the page’s token', async () => {
    const h = harness();
    h.api.on('GET', /^\/api\/cluster$/, () => failWith('unauthorized', 'missing or wrong token', 401));
    h.store.getState().connect();
    renderWithStore(<App />, h.store);
    act(() => h.events.fail());
    await act(settle);
    expect(screen.getByRole('alert').textContent).toMatch(/refused this page.*open the dashboard again from the link/);
    h.store.getState().disconnect();
  });

  it('explains a cluster without quorum', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: noQuorumCluster() });
    renderWithStore(<App />, h.store);
    expect(screen.getByRole('status', { name: 'Cluster No quorum' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/cannot accept writes: 0 of 3 nodes agree on a leader, it needs 2/);
    expect(screen.getByText('Tolerates 0 more failures')).toBeTruthy();
  });

  it('shows an empty cluster with a way to add a node', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: { ...healthyCluster(), nodes: [], leaderId: null, inQuorum: [] } });
    renderWithStore(<App />, h.store);
    expect(screen.getByText('This cluster has no nodes yet.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add node' })).toBeTruthy();
  });

  it('switches views with the tab list, by click and by arrow keys', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<App />, h.store);
    fireEvent.click(screen.getByRole('tab', { name: 'Storage' }));
    expect(screen.getByRole('tabpanel', { name: 'Storage' })).toBeTruthy();
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Storage' }), { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Recovery' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tabpanel', { name: 'Recovery' })).toBeTruthy();
  });

  it('shows a failed command until dismissed', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    h.api.on('POST', /stop$/, () => {
      throw Object.assign(new Error('x'), { name: 'RequestError' });
    });
    renderWithStore(<App />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Stop node 2' }));
    await act(settle);
    expect(screen.getByRole('alert').textContent).toMatch(/Could not stop node 2/);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
