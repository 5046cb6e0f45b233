// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ProfileList } from '../../../node-runtime/common/manager-api';
import { parseNodeList } from '../../../renderer/src/views/overview/parse-node-list';
import { ClusterProfiles } from '../../../renderer/src/views/overview/ClusterProfiles';
import { commandsSent, failWith, harness, settle } from './fake-deps';
import { renderWithStore } from './render';

const LIST: ProfileList = {
  active: 'local',
  profiles: [
    { name: 'local', kind: 'local', nodes: [], hasSecret: true },
    { name: 'lab', kind: 'attach', nodes: [{ id: 1, httpUrl: 'http://10.0.0.5:8081' }], hasSecret: false },
  ],
};

async function setup() {
  const h = harness();
  h.api.on('GET', /^\/api\/profiles$/, () => LIST);
  h.store.getState().connect();
  h.events.handlers?.onOpen();
  await settle();
  h.store.getState().disconnect();
  renderWithStore(<ClusterProfiles />, h.store);
  return h;
}

describe('cluster profiles', () => {
  it('are loaded when the manager connects, and list local and attached clusters', async () => {
    await setup();
    const list = screen.getByRole('list', { name: 'Saved clusters' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(within(list).getByText('Showing')).toBeTruthy();
    expect(within(list).getByText('1 remote node · no secret (no partitions)')).toBeTruthy();
  });

  it('switch the dashboard to another cluster', async () => {
    const h = await setup();
    h.api.on('POST', /activate$/, () => ({ ...LIST, active: 'lab' }));
    fireEvent.click(screen.getByRole('button', { name: 'Switch to lab' }));
    await act(settle);
    expect(commandsSent(h)).toEqual(['POST /api/profiles/lab/activate']);
    expect(screen.getByRole('button', { name: 'Switch to local' })).toBeTruthy();
  });

  it('save an attached cluster from the form, and say what is wrong with it', async () => {
    const h = await setup();
    fireEvent.click(screen.getByText('Attach to a cluster running elsewhere…'));
    h.api.on('PUT', /^\/api\/profiles\//, (call) => ({ ...LIST, profiles: [...LIST.profiles, { name: 'prod', kind: 'attach', nodes: (call.options?.body as { nodes: [] }).nodes, hasSecret: true }] }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'prod' } });
    fireEvent.change(screen.getByLabelText('Nodes, one per line: id and URL'), { target: { value: '1 http://a:8081\nnode two' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save cluster' }));
    expect(screen.getByRole('alert').textContent).toMatch(/^Line 2: write a node id and its URL/);
    fireEvent.change(screen.getByLabelText('Nodes, one per line: id and URL'), { target: { value: '1 http://a:8081\n2 http://b:8081' } });
    fireEvent.change(screen.getByLabelText('Cluster secret (optional)'), { target: { value: 's3cret' } });
    fireEvent.change(screen.getByLabelText('Client token (optional)'), { target: { value: 't0ken' } });
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    fireEvent.change(screen.getByLabelText('CA certificate for https:// nodes (optional, PEM)'), { target: { value: ca } });
    fireEvent.click(screen.getByRole('button', { name: 'Save cluster' }));
    await act(settle);
    expect(h.api.calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/api/profiles/prod',
      options: { body: { nodes: [{ id: 1, httpUrl: 'http://a:8081' }, { id: 2, httpUrl: 'http://b:8081' }], secret: 's3cret', token: 't0ken', ca } },
    });
    expect((screen.getByLabelText('Client token (optional)') as HTMLInputElement).value).toBe('');
    expect(screen.getByText('prod')).toBeTruthy();
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('');
  });

  it('show a failed switch', async () => {
    const h = await setup();
    h.api.on('POST', /activate$/, () => failWith('unavailable', 'no node of "lab" answered', 503));
    fireEvent.click(screen.getByRole('button', { name: 'Switch to lab' }));
    await act(settle);
    expect(screen.getByRole('alert').textContent).toBe('Cluster unavailable. No node of "lab" answered. Try again once the nodes are running.');
  });
});

describe('parseNodeList', () => {
  it('reads "id url" lines and refuses duplicates and an empty list', () => {
    expect(parseNodeList(' 1 http://a:1 \n\n2 https://b:2')).toEqual({ ok: true, nodes: [{ id: 1, httpUrl: 'http://a:1' }, { id: 2, httpUrl: 'https://b:2' }] });
    expect(parseNodeList('1 http://a\n1 http://b')).toEqual({ ok: false, message: 'Line 2: node 1 is listed twice' });
    expect(parseNodeList('  ')).toEqual({ ok: false, message: 'List at least one node' });
  });
});
