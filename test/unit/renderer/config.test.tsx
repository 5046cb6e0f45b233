// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ConfigView } from '../../../renderer/src/views/config/ConfigView';
import { healthyCluster } from './fixtures';
import { commandsSent, failWith, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

function setup() {
  const h = harness();
  h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
  renderWithStore(<ConfigView />, h.store);
  return h;
}

describe('Configuration', () => {
  it('lists the cluster settings with plain labels, visible help, values in human units, scope and source', () => {
    setup();
    const quota = screen.getByLabelText('Storage quota') as HTMLInputElement;
    expect(quota.value).toBe('1,000 MiB');
    expect(document.getElementById(quota.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'Most bytes the cluster stores in all, each file counted once (not per copy). storageQuota',
    );
    expect(screen.getByText('Most bytes the cluster stores in all, each file counted once (not per copy).', { exact: false })).toBeTruthy();
    expect((screen.getByLabelText('Integrity check pause') as HTMLInputElement).value).toBe('1 h');
    expect((screen.getByLabelText('Heartbeat interval') as HTMLInputElement).value).toBe('100 ms');
    expect(screen.getByLabelText('Repair automatically')).toHaveProperty('checked', true);
    expect(screen.queryByLabelText('Log level')).toBeNull();
    expect(screen.getAllByText('cluster').length).toBeGreaterThan(5);
    expect(screen.getByText('file')).toBeTruthy();
    expect(screen.getByText('= 1,048,576,000 bytes')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(quota, { target: { value: '1.5 GiB' } });
    expect(screen.getByText('= 1,610,612,736 bytes')).toBeTruthy();
  });

  it('warns, before Apply, that a quota below what is stored refuses every new write', () => {
    setup();
    const quota = screen.getByLabelText('Storage quota');
    fireEvent.change(quota, { target: { value: '100 MiB' } });
    // The fixture's leader stores 300 MiB.
    expect(screen.getByRole('status').textContent).toBe('Below the 300 MiB stored now: once saved, every new write is refused until files are deleted or the quota is raised.');
    fireEvent.change(quota, { target: { value: '2 GiB' } });
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('applies an edit without restart and shows what changed', async () => {
    const h = setup();
    fireEvent.change(screen.getByLabelText('Heartbeat interval'), { target: { value: '200 ms' } });
    expect(screen.getByText('1 change not applied yet')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['PUT /api/config']);
    const applied = screen.getByRole('region', { name: 'Last applied changes' });
    expect(within(applied).getByText(/no restart needed/)).toBeTruthy();
    expect(applied.textContent).toContain('Heartbeat interval: 100 ms → 200 ms');
  });

  it('shows the server’s validation error next to the key', async () => {
    const h = setup();
    h.api.on('PUT', /^\/api\/config/, () => failWith('config_invalid', 'storageQuota: must be at least the 300 MiB already stored'));
    const input = screen.getByLabelText('Storage quota');
    fireEvent.change(input, { target: { value: '1 KiB' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(screen.getByRole('alert').textContent).toBe('must be at least the 300 MiB already stored');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain('setting-storageQuota-error');
  });

  it('switches to a node’s own settings', async () => {
    const h = setup();
    fireEvent.change(screen.getByLabelText('Settings of'), { target: { value: '3' } });
    const level = screen.getByLabelText('Log level') as HTMLSelectElement;
    expect(level.value).toBe('info');
    fireEvent.change(level, { target: { value: 'debug' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['PUT /api/config?node=3']);
  });

  it('discards edits', () => {
    setup();
    fireEvent.change(screen.getByLabelText('Chunk size'), { target: { value: '4096' } });
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect((screen.getByLabelText('Chunk size') as HTMLInputElement).value).toBe('1 MiB');
  });
});
