// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RaftView } from '../../../renderer/src/views/raft/RaftView';
import { healthyCluster, node } from './fixtures';
import { commandsSent, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

function grownCluster() {
  const h = harness();
  // One snapshot is enough: each node reports its own entries' terms. Term 3 wrote 1–120, term 4
  // wrote 121–124, and node 3 lags at 120.
  const base = healthyCluster();
  const grown = [{ from: 1, to: 120, term: 3 }, { from: 121, to: 124, term: 4 }];
  h.store.getState().handleEvent({
    type: 'snapshot',
    data: {
      ...base,
      nodes: [
        node(1, { status: { role: 'leader', lastIndex: 124, commitIndex: 123, appliedIndex: 123, logTerms: grown, peers: [{ id: 2, url: null, isLearner: false, state: 'replicate', match: 124, next: 125, lastContactMs: 50 }, { id: 3, url: null, isLearner: false, state: 'probe', match: 120, next: 121, lastContactMs: 1500 }] } }),
        node(2, { status: { lastIndex: 124, commitIndex: 123, appliedIndex: 123, logTerms: grown } }),
        node(3, { status: { lastIndex: 120, commitIndex: 120, appliedIndex: 120 }, partitionedFrom: [1, 2] }),
      ],
    },
  });
  return h;
}

describe('Raft view', () => {
  it('draws the ring with each node’s role and term in its accessible description', () => {
    const h = grownCluster();
    renderWithStore(<RaftView />, h.store);
    const ring = screen.getByRole('img', { name: /^Raft ring\./ });
    expect(ring.getAttribute('aria-label')).toContain('Node 1: leader, term 4, last index 124, committed 123');
    expect(ring.getAttribute('aria-label')).toContain('Node 3: follower, term 4, last index 120');
    expect(within(ring as unknown as HTMLElement).getByText('Leader')).toBeTruthy();
    expect(within(ring as unknown as HTMLElement).getByText('cut')).toBeTruthy();
  });

  it('shows each node’s log coloured by the terms it reports, with the commit point', () => {
    const h = grownCluster();
    renderWithStore(<RaftView />, h.store);
    const leaderLog = screen.getByRole('group', { name: 'Node 1 log: last index 124, committed up to 123, applied up to 123' });
    const entry124 = within(leaderLog).getByTitle('Index 124, term 4, not committed yet');
    expect(entry124.getAttribute('data-committed')).toBe('false');
    expect(entry124.textContent).toBe('4');
    expect(within(leaderLog).getByTitle('Index 121, term 4, committed')).toBeTruthy();
    // Entries written before the dashboard opened carry their term too.
    const entry120 = within(leaderLog).getByTitle('Index 120, term 3, committed');
    expect(entry120.textContent).toBe('3');
    expect(entry120.getAttribute('style')).not.toBe(entry124.getAttribute('style'));
    expect(leaderLog.textContent).not.toContain('?');
    const laggingLog = screen.getByRole('group', { name: /^Node 3 log: last index 120/ });
    expect(within(laggingLog).getByTitle('Index 120, term 3, committed')).toBeTruthy();
    expect(within(laggingLog).queryByTitle(/^Index 121/)).toBeNull();
  });

  it('colours each log by its own node’s terms, so a diverging follower shows its stale entries', () => {
    const h = harness();
    const base = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: {
        ...base,
        nodes: [
          node(1, { status: { role: 'leader', term: 5, lastIndex: 122, commitIndex: 122, appliedIndex: 122, logTerms: [{ from: 1, to: 120, term: 3 }, { from: 121, to: 122, term: 5 }] } }),
          node(2, { status: { term: 5, lastIndex: 122, commitIndex: 120, appliedIndex: 120, logTerms: [{ from: 1, to: 120, term: 3 }, { from: 121, to: 122, term: 4 }] } }),
        ],
      },
    });
    renderWithStore(<RaftView />, h.store);
    const leaderLog = screen.getByRole('group', { name: /^Node 1 log:/ });
    const followerLog = screen.getByRole('group', { name: /^Node 2 log:/ });
    expect(within(leaderLog).getByTitle('Index 122, term 5, committed')).toBeTruthy();
    expect(within(followerLog).getByTitle('Index 122, term 4, not committed yet')).toBeTruthy();
  });

  it('greys entries compacted into a snapshot', () => {
    const h = harness();
    const base = healthyCluster();
    // Node 2 compacted up to 110 and still holds 111–120.
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: { ...base, nodes: [base.nodes[0]!, node(2, { status: { snapshotIndex: 110, logTerms: [{ from: 111, to: 120, term: 3 }] } })] },
    });
    renderWithStore(<RaftView />, h.store);
    const log = screen.getByRole('group', { name: /^Node 2 log:/ });
    const compacted = within(log).getByTitle('Index 110, compacted into a snapshot, committed');
    expect(compacted.getAttribute('data-compacted')).toBe('true');
    expect(compacted.textContent).toBe('');
    const kept = within(log).getByTitle('Index 111, term 3, committed');
    expect(kept.getAttribute('data-compacted')).toBe('false');
  });

  it('shows who voted for whom while a candidate campaigns, and explains a vote on hover', () => {
    const h = harness();
    // Term 5: node 3 campaigns with its own vote and node 2's; node 1 is still in term 4, where
    // it voted for itself, and its old vote is not part of this election.
    const election = healthyCluster({
      leaderId: null,
      nodes: [
        node(1, { status: { role: 'follower', term: 4, leaderId: null, votedFor: 1 } }),
        node(2, { status: { role: 'follower', term: 5, leaderId: null, votedFor: 3 } }),
        node(3, { status: { role: 'candidate', term: 5, leaderId: null, votedFor: 3 } }),
      ],
    });
    h.store.getState().handleEvent({ type: 'snapshot', data: election });
    renderWithStore(<RaftView />, h.store);
    const ring = screen.getByRole('img', { name: /^Raft ring\./ }) as unknown as HTMLElement;
    expect(ring.getAttribute('aria-label')).toContain('Node 2 voted for node 3 in term 5');
    // The hover text of an SVG group is its <title> child.
    const hovers = [...ring.querySelectorAll('title')].filter((t) => t.textContent?.includes('voted for'));
    expect(hovers).toHaveLength(1);
    expect(hovers[0]?.textContent).toMatch(/^Node 2 voted for node 3 in term 5\. Each node grants one vote per term/);
    expect(hovers[0]?.parentElement?.querySelector('line[marker-end]')).not.toBeNull();
    expect(within(ring).getByText('2 votes')).toBeTruthy();
  });

  it('draws no votes once the election is over', () => {
    const h = harness();
    const settled = healthyCluster();
    h.store.getState().handleEvent({
      type: 'snapshot',
      data: { ...settled, nodes: settled.nodes.map((n) => ({ ...n, report: n.report && { ...n.report, status: { ...n.report.status, votedFor: 1 } } })) },
    });
    renderWithStore(<RaftView />, h.store);
    const ring = screen.getByRole('img', { name: /^Raft ring\./ }) as unknown as HTMLElement;
    expect([...ring.querySelectorAll('title')].filter((t) => t.textContent?.includes('voted for'))).toHaveLength(0);
    expect(ring.getAttribute('aria-label')).not.toContain('voted for');
  });

  it('has RaftScope’s controls plus partitions, and sends a client request as a tiny upload', async () => {
    const h = grownCluster();
    renderWithStore(<RaftView />, h.store);
    fireEvent.click(screen.getByRole('button', { name: 'Stop node 2' }));
    fireEvent.click(screen.getByRole('button', { name: 'Heal node 3' }));
    fireEvent.click(screen.getAllByRole('button', { name: 'Heal all partitions' })[0]!);
    await act(settle);
    expect(commandsSent(h)).toEqual(['POST /api/nodes/2/stop', 'DELETE /api/partition', 'DELETE /api/partition']);
    fireEvent.click(screen.getByRole('button', { name: 'Send a client request' }));
    expect(h.uploads.started[0]?.request.name).toMatch(/^raft-demo\/request-.*\.txt$/);
  });
});
