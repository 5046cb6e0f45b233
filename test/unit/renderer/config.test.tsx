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
  it('lists the cluster settings with labelled inputs, scope and source', () => {
    setup();
    const quota = screen.getByLabelText('storageQuota') as HTMLInputElement;
    expect(quota.value).toBe(String(1000 * 1024 * 1024));
    expect(screen.getByLabelText('recoveryEnabled')).toHaveProperty('checked', true);
    expect(screen.queryByLabelText('logLevel')).toBeNull();
    expect(screen.getAllByText('cluster').length).toBeGreaterThan(5);
    expect(screen.getByText('file')).toBeTruthy();
    expect(screen.getByText('1000 MiB')).toBeTruthy();
    expect(screen.getByText('1 h 00 min')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('applies an edit without restart and shows what changed', async () => {
    const h = setup();
    fireEvent.change(screen.getByLabelText('heartbeatInterval'), { target: { value: '200' } });
    expect(screen.getByText('1 change not applied yet')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['PUT /api/config']);
    const applied = screen.getByRole('region', { name: 'Last applied changes' });
    expect(within(applied).getByText(/no restart needed/)).toBeTruthy();
    expect(applied.textContent).toContain('heartbeatInterval: 100 → 200');
  });

  it('shows the server’s validation error next to the key', async () => {
    const h = setup();
    h.api.on('PUT', /^\/api\/config/, () => failWith('config_invalid', 'storageQuota: must be at least the 300 MiB already stored'));
    const input = screen.getByLabelText('storageQuota');
    fireEvent.change(input, { target: { value: '1024' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(screen.getByRole('alert').textContent).toBe('must be at least the 300 MiB already stored');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain('setting-storageQuota-error');
  });

  it('switches to a node’s own settings', async () => {
    const h = setup();
    fireEvent.change(screen.getByLabelText('Settings of'), { target: { value: '3' } });
    const level = screen.getByLabelText('logLevel') as HTMLSelectElement;
    expect(level.value).toBe('info');
    fireEvent.change(level, { target: { value: 'debug' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['PUT /api/config?node=3']);
  });

  it('discards edits', () => {
    setup();
    fireEvent.change(screen.getByLabelText('chunkSize'), { target: { value: '4096' } });
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect((screen.getByLabelText('chunkSize') as HTMLInputElement).value).toBe(String(1024 * 1024));
  });
});
