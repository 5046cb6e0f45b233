// @vitest-environment happy-dom
// "Back up now" in the Storage view: the last backup with its node, the folder typed (browser) or
// picked natively (app), the busy state while the manager saves, the saved path, the error.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SavedBackup } from '../../../node-runtime/common/manager-api';
import { formatDateTime } from '../../../renderer/src/format/units';
import { BackupPanel } from '../../../renderer/src/views/storage/BackupPanel';
import { FakeDesktop, failWith, harness, settle } from './fake-deps';
import { healthyCluster, node } from './fixtures';
import { renderWithStore } from './render';

const saved: SavedBackup = { path: '/home/ada/Backups/dfs-backup-20261126T140000.000Z.dfsbak', bytes: 3 * 1024 * 1024, files: 12, node: 1, index: 420 };

function panel(desktop?: FakeDesktop) {
  const h = harness(desktop === undefined ? {} : { desktop });
  const base = healthyCluster();
  h.store.getState().handleEvent({
    type: 'snapshot',
    data: { ...base, nodes: [base.nodes[0]!, node(2, { stats: { lastBackup: '2026-11-26T13:00:00.000Z' } }), node(3, { stats: { lastBackup: '2026-11-26T12:00:00.000Z' } })] },
  });
  renderWithStore(<BackupPanel />, h.store);
  return { h, region: screen.getByRole('region', { name: 'Backup' }) };
}

const button = () => screen.getByRole('button', { name: /Back up now|Backing up/ });

describe('Back up now', () => {
  it('shows the newest backup any node reports, with its node', () => {
    const { region } = panel();
    expect(region.textContent).toContain(`: ${formatDateTime('2026-11-26T13:00:00.000Z')} (node 2)`);
    expect(region.textContent).not.toMatch(/\(node 3\)/);
  });

  it('says "none yet" before any backup, with what a backup is as the term\'s description', () => {
    const h = harness();
    h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
    renderWithStore(<BackupPanel />, h.store);
    const region = screen.getByRole('region', { name: 'Backup' });
    const term = within(region).getByText('Last backup');
    expect(term.parentElement?.textContent?.endsWith(': none yet')).toBe(true);
    expect(term.getAttribute('tabindex')).toBe('0');
    expect(document.getElementById(term.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/^When this node last sent a whole backup of the cluster .*Snapshots the node takes of its own log are not backups\.$/);
  });

  it('browser: a typed folder goes to POST /api/backups; busy while it runs, then the saved path', async () => {
    const { h, region } = panel();
    expect((button() as HTMLButtonElement).disabled).toBe(true);
    let answer: (value: SavedBackup) => void = () => undefined;
    h.api.on('POST', /^\/api\/backups$/, () => new Promise<SavedBackup>((resolve) => (answer = resolve)));
    fireEvent.change(screen.getByLabelText('Save into folder'), { target: { value: ' /home/ada/Backups ' } });
    fireEvent.click(button());
    await settle();
    expect(h.api.calls.filter((c) => c.method === 'POST').map((c) => [c.path, c.options?.body])).toEqual([['/api/backups', { folder: '/home/ada/Backups' }]]);
    expect(button().textContent).toBe('Backing up…');
    expect((button() as HTMLButtonElement).disabled).toBe(true);
    expect(region.getAttribute('aria-busy')).toBe('true');
    await act(async () => {
      answer(saved);
      await settle();
    });
    expect(button().textContent).toBe('Back up now');
    expect(region.getAttribute('aria-busy')).toBe('false');
    expect(within(region).getByRole('status').textContent).toBe(`Saved ${saved.path} (12 files, 3.00 MiB, from node 1).`);
  });

  it('browser: the manager’s refusal is shown in the usual words, and the button works again', async () => {
    const { h } = panel();
    h.api.on('POST', /^\/api\/backups$/, () => failWith('bad_request', '"Backups" is not an absolute path; name the folder in full'));
    fireEvent.change(screen.getByLabelText('Save into folder'), { target: { value: 'Backups' } });
    await act(async () => {
      fireEvent.click(button());
      await settle();
    });
    expect(screen.getByRole('alert').textContent).toBe('Bad request. "Backups" is not an absolute path; name the folder in full.');
    expect((button() as HTMLButtonElement).disabled).toBe(false);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('app: the folder comes from the native picker (the field is not typed), cancelling keeps it empty', async () => {
    const desktop = new FakeDesktop();
    const { h } = panel(desktop);
    const field = screen.getByLabelText('Save into folder') as HTMLInputElement;
    expect(field.readOnly).toBe(true);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Choose folder…' }));
      await settle();
    });
    expect(field.value).toBe('');
    expect((button() as HTMLButtonElement).disabled).toBe(true);
    desktop.chosenBackupFolder = '/Users/ada/Backups';
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Choose folder…' }));
      await settle();
    });
    expect(field.value).toBe('/Users/ada/Backups');
    h.api.on('POST', /^\/api\/backups$/, () => saved);
    await act(async () => {
      fireEvent.click(button());
      await settle();
    });
    expect(h.api.calls.filter((c) => c.method === 'POST').map((c) => c.options?.body)).toEqual([{ folder: '/Users/ada/Backups' }]);
    expect(screen.getByRole('status').textContent).toContain(saved.path);
  });

  it('app: a picker that fails says so in plain words, not the system’s error text', async () => {
    const desktop = new FakeDesktop();
    desktop.chooseBackupFolder = () => Promise.reject(new Error('EACCES: dialog helper exited with code 1'));
    panel(desktop);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Choose folder…' }));
      await settle();
    });
    expect(screen.getByRole('alert').textContent).toBe('The folder picker did not open. Try again; if it still does not open, restart the app.');
  });
});
