// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../node-runtime/common/manager-api';
import { LogsView } from '../../../renderer/src/views/logs/LogsView';
import { logLinesAsJsonl } from '../../../renderer/src/views/logs/log-export';
import { healthyCluster } from './fixtures';
import { harness } from './fake-deps';
import { renderWithStore } from './render';

const line = (nodeId: number, level: LogLine['level'], msg: string, time = 1000): LogLine => ({ nodeId, source: 'stdout', time, level, msg, fields: {} });

function setup() {
  const h = harness();
  h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
  h.store.getState().appendLogs([line(1, 'info', 'became leader at term 4'), line(2, 'warn', 'slow fsync'), line(3, 'debug', 'heartbeat'), line(3, 'error', 'chunk corrupt')]);
  renderWithStore(<LogsView />, h.store);
  return h;
}

const shown = () => within(screen.getByRole('list', { name: 'Log lines' })).getAllByRole('listitem').map((i) => i.textContent ?? '');

describe('Logs', () => {
  it('tails every node merged, from info up by default', () => {
    setup();
    expect(shown()).toHaveLength(3);
    expect(shown()[2]).toContain('chunk corrupt');
  });

  it('filters by node, level and text', () => {
    setup();
    fireEvent.change(screen.getByLabelText('Node'), { target: { value: '3' } });
    expect(shown()).toHaveLength(1);
    fireEvent.change(screen.getByLabelText('Level at least'), { target: { value: 'debug' } });
    expect(shown()).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('Node'), { target: { value: 'all' } });
    fireEvent.change(screen.getByLabelText('Containing'), { target: { value: 'FSYNC' } });
    expect(shown()).toEqual([expect.stringContaining('slow fsync')]);
  });

  it('updates live, and pause freezes the view while counting new lines', () => {
    const h = setup();
    act(() => h.store.getState().handleEvent({ type: 'log', data: line(2, 'info', 'applied entry 121') }));
    expect(shown()).toHaveLength(4);
    fireEvent.click(screen.getByRole('button', { name: 'Pause tail' }));
    act(() => h.store.getState().handleEvent({ type: 'log', data: line(2, 'info', 'applied entry 122') }));
    expect(shown()).toHaveLength(4);
    expect(screen.getByText('1 new lines')).toBeTruthy();
    const resume = screen.getByRole('button', { name: 'Resume tail' });
    expect(resume.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(resume);
    expect(shown()).toHaveLength(5);
  });

  it('shows each line’s full date and time to the millisecond, and opens it to show every JSON field', () => {
    const h = harness();
    const time = new Date(2026, 11, 6, 14, 3, 7, 42).getTime();
    h.store.getState().appendLogs([{ ...line(2, 'info', 'applied entry', time), fields: { msg: 'applied entry', index: 121, peer: { id: 3, match: 120 } } }]);
    renderWithStore(<LogsView />, h.store);
    const open = screen.getByRole('button', { name: 'Show all fields of the line at 2026-12-06 14:03:07.042' });
    expect(open.textContent).toBe('2026-12-06 14:03:07.042');
    fireEvent.click(open);
    const details = screen.getByRole('region', { name: 'Log line details' });
    expect(within(details).getByText('index')).toBeTruthy();
    expect(within(details).getByText('121')).toBeTruthy();
    expect(within(details).getByText('{ "id": 3, "match": 120 }', { normalizer: (t) => t.replace(/\s+/g, ' ') })).toBeTruthy();
    fireEvent.click(within(details).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: 'Log line details' })).toBeNull();
  });

  it('exports the lines shown as JSON Lines', () => {
    setup();
    const saved: string[] = [];
    const createObjectURL = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      saved.push(blob instanceof Blob ? 'blob' : '');
      return 'blob:logs';
    });
    fireEvent.click(screen.getByRole('button', { name: 'Export 3 lines' }));
    expect(saved).toEqual(['blob']);
    createObjectURL.mockRestore();
    const text = logLinesAsJsonl([{ ...line(1, 'warn', 'slow fsync', Date.UTC(2026, 11, 6)), fields: { ms: 80 } }]);
    expect(text).toBe('{"time":"2026-12-06T00:00:00.000Z","nodeId":1,"source":"stdout","level":"warn","msg":"slow fsync","fields":{"ms":80}}\n');
  });

  it('has an empty state', () => {
    const h = harness();
    renderWithStore(<LogsView />, h.store);
    expect(screen.getByText(/No log lines yet/)).toBeTruthy();
  });
});
