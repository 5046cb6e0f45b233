import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECONNECT_DELAYS_MS } from '../../../renderer/src/store/connection-slice';
import { healthyCluster, node } from './fixtures';
import { failWith, harness, settle, type TestHarness } from './fake-deps';

describe('the SSE connection', () => {
  let h: TestHarness;
  beforeEach(() => {
    vi.useFakeTimers();
    h = harness();
  });
  afterEach(() => {
    h.store.getState().disconnect();
    vi.useRealTimers();
  });

  it('opens one stream, and the first snapshot makes it open and fills the cluster slice', () => {
    h.store.getState().connect();
    h.store.getState().connect();
    expect(h.events.opened).toBe(1);
    expect(h.store.getState().connection.status).toBe('connecting');
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    expect(h.store.getState().connection.status).toBe('open');
    expect(h.store.getState().snapshot?.leaderId).toBe(1);
  });

  it('backfills recent log lines when the stream opens', async () => {
    h.api.on('GET', /^\/api\/logs/, () => [{ nodeId: 2, source: 'stdout', time: 1, level: 'info', msg: 'hello', fields: {} }]);
    h.store.getState().connect();
    h.events.handlers?.onOpen();
    await settle();
    expect(h.api.calls[0]?.path).toBe('/api/logs?limit=1000');
    expect(h.store.getState().logs.lines.map((l) => l.msg)).toEqual(['hello']);
  });

  it('marks the manager lost on error and reconnects with growing back-off', () => {
    h.store.getState().connect();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    h.events.fail();
    const state = h.store.getState().connection;
    expect(state.status).toBe('lost');
    expect(state.failures).toBe(1);
    expect(state.nextRetryAt).toBe(h.clock.now + RECONNECT_DELAYS_MS[0]);
    expect(h.events.closed).toBe(1);

    vi.advanceTimersByTime(RECONNECT_DELAYS_MS[0]);
    expect(h.events.opened).toBe(2);
    h.events.fail();
    expect(h.store.getState().connection.nextRetryAt).toBe(h.clock.now + RECONNECT_DELAYS_MS[1]);

    h.store.getState().reconnectNow();
    expect(h.events.opened).toBe(3);
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    expect(h.store.getState().connection).toMatchObject({ status: 'open', failures: 0, nextRetryAt: null });
  });

  it('tells a refused token from a manager that is gone', async () => {
    h.api.on('GET', /^\/api\/cluster$/, () => failWith('unauthorized', 'missing or wrong token', 401));
    h.store.getState().connect();
    h.events.fail();
    await settle();
    expect(h.store.getState().connection).toMatchObject({ status: 'lost', problem: 'unauthorized' });
    h.api.on('GET', /^\/api\/cluster$/, () => failWith('network', 'the cluster manager did not answer', 0));
    h.store.getState().reconnectNow();
    h.events.fail();
    await settle();
    expect(h.store.getState().connection.problem).toBe('unreachable');
    h.store.getState().reconnectNow();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    expect(h.store.getState().connection.problem).toBeNull();
  });

  it('keeps the last snapshot while the manager is lost', () => {
    h.store.getState().connect();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    h.events.fail();
    expect(h.store.getState().snapshot?.nodes).toHaveLength(3);
  });

  it('routes log and leaderChange events into their slices', () => {
    h.store.getState().connect();
    h.events.emit({ type: 'log', data: { nodeId: 3, source: 'stdout', time: 5, level: 'warn', msg: 'slow disk', fields: {} } });
    h.events.emit({ type: 'leaderChange', data: { time: h.clock.now - 1000, term: 5, leaderId: 2 } });
    const s = h.store.getState();
    expect(s.logs.lines.at(-1)?.msg).toBe('slow disk');
    expect(s.metrics.leaderChanges).toEqual([{ time: h.clock.now - 1000, term: 5, leaderId: 2 }]);
  });

  it('records a leader change seen in snapshots once, and not the leader found at connect', () => {
    h.store.getState().connect();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    const moved = healthyCluster({
      leaderId: 2,
      updatedAt: 99,
      nodes: [node(1, { status: { term: 5, leaderId: 2 } }), node(2, { status: { role: 'leader', term: 5, leaderId: 2 } }), node(3, { status: { term: 5 } })],
    });
    h.events.emit({ type: 'snapshot', data: moved });
    h.events.emit({ type: 'leaderChange', data: { time: 100, term: 5, leaderId: 2 } });
    expect(h.store.getState().metrics.leaderChanges.map((m) => [m.term, m.leaderId])).toEqual([[5, 2]]);
  });

  it('samples the metrics history every second while connected', () => {
    h.store.getState().connect();
    h.events.emit({ type: 'snapshot', data: healthyCluster() });
    vi.advanceTimersByTime(3000);
    const samples = h.store.getState().metrics.samples;
    expect(samples).toHaveLength(3);
    expect(samples[0]).toMatchObject({ leaderCommit: 120, term: 4, lagByNode: { 2: 0, 3: 3 } });
  });
});
