import { describe, expect, it } from 'vitest';
import { contactAgeMs, entriesBehindLeader, groupsHealing, groupsIsolating, partitionGroups } from '../../../renderer/src/store/cluster-derive';
import { T0, healthyCluster, node } from './fixtures';
import { failWith, harness, settle } from './fake-deps';

describe('cluster commands', () => {
  it('sends node actions to their routes and shows them as pending meanwhile', async () => {
    const h = harness();
    const done = h.store.getState().runNodeAction(2, 'kill');
    expect(h.store.getState().pendingCommands).toEqual({ '2:kill': true });
    await done;
    expect(h.api.called('POST', '/api/nodes/2/kill')).toBe(true);
    expect(h.store.getState().pendingCommands).toEqual({});
  });

  it('transfers leadership, adds and removes nodes', async () => {
    const h = harness();
    await h.store.getState().transferLeadership(3);
    await h.store.getState().addNode();
    await h.store.getState().removeNode(2);
    expect(h.api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/nodes/3/leadership', 'POST /api/nodes', 'DELETE /api/nodes/2']);
  });

  it('isolates a node by cutting it into its own group, and heals it back', async () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    await h.store.getState().isolateNode(2);
    expect(h.api.calls.at(-1)?.options?.body).toEqual({ groups: [[1, 3], [2]] });

    const cut = healthyCluster({ nodes: [node(1, { partitionedFrom: [2] }), node(2, { partitionedFrom: [1, 3] }), node(3, { partitionedFrom: [2] })] });
    h.store.getState().handleEvent({ type: 'snapshot', data: cut });
    await h.store.getState().healNode(2);
    expect(h.api.calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/partition' });
  });

  it('keeps a readable failure for the banner', async () => {
    const h = harness();
    h.api.on('POST', /kill$/, () => failWith('conflict', 'attach mode: the manager does not own node 2', 409));
    await h.store.getState().runNodeAction(2, 'kill');
    expect(h.store.getState().commandFailure).toMatchObject({ what: 'kill node 2', message: 'Conflict. Attach mode: the manager does not own node 2.' });
    h.store.getState().dismissCommandFailure();
    expect(h.store.getState().commandFailure).toBeNull();
    await settle();
  });
});

describe('derived cluster facts', () => {
  it('finds the partition groups from partitionedFrom', () => {
    const s = healthyCluster({ nodes: [node(1, { partitionedFrom: [3] }), node(2, { partitionedFrom: [3] }), node(3, { partitionedFrom: [1, 2] })] });
    expect(partitionGroups(s)).toEqual([[1, 2], [3]]);
    expect(groupsIsolating(s, 1)).toEqual([[2], [3], [1]]);
    expect(groupsHealing(s, 3)).toEqual([[1, 2, 3]]);
  });

  it('measures how far a follower trails from the leader’s match index', () => {
    const s = healthyCluster();
    expect(entriesBehindLeader(s, s.nodes[2] as never)).toBe(3);
    expect(entriesBehindLeader(s, s.nodes[0] as never)).toBe(0);
    expect(entriesBehindLeader({ ...s, leaderId: null }, s.nodes[2] as never)).toBeNull();
  });

  it('ages the last contact of a follower cut off from the leader, not of a connected one', () => {
    const s = healthyCluster();
    expect(contactAgeMs(s, s.nodes[2]!, T0 + 5000)).toBe(60);
    const cut = { ...s, nodes: [s.nodes[0]!, s.nodes[1]!, node(3, { partitionedFrom: [1, 2] })] };
    expect(contactAgeMs(cut, cut.nodes[2]!, T0 + 5000)).toBe(60 + 5300);
    expect(contactAgeMs(s, s.nodes[0]!, T0)).toBeNull();
  });

  it('runs a follower’s election timer down while the leader it follows is down, though no leader is named any more', () => {
    const s = healthyCluster();
    // Node 1 paused: the manager calls it unreachable (its last report stays) and names no leader.
    const paused = { ...s, leaderId: null, health: 'electing' as const, nodes: [{ ...s.nodes[0]!, reachable: false }, s.nodes[1]!, s.nodes[2]!] };
    // Its last report was received at T0 - 300 and said node 3 was heard from 60 ms before.
    expect(contactAgeMs(paused, paused.nodes[2]!, T0 + 700)).toBe(60 + 1000);
    expect(contactAgeMs(paused, paused.nodes[2]!, T0 + 1700)).toBe(60 + 2000);
    // A node campaigning has no leader to hear from: no timer from the old one.
    const campaigning = { ...paused, nodes: [paused.nodes[0]!, paused.nodes[1]!, node(3, { status: { role: 'candidate', term: 5, leaderId: null } })] };
    expect(contactAgeMs(campaigning, campaigning.nodes[2]!, T0 + 1700)).toBeNull();
  });
});
