import { describe, expect, it } from 'vitest';
import { issuesFromDetail } from '../../../renderer/src/store/config-slice';
import { healthyCluster } from './fixtures';
import { failWith, harness } from './fake-deps';

function withCluster() {
  const h = harness();
  h.store.getState().handleEvent({ type: 'snapshot', data: healthyCluster() });
  return h;
}

describe('the config editor state', () => {
  it('keeps a draft only while it differs from the current value', () => {
    const h = withCluster();
    h.store.getState().editSetting('heartbeatInterval', '150 ms');
    expect(h.store.getState().config.drafts).toEqual({ heartbeatInterval: '150 ms' });
    h.store.getState().editSetting('heartbeatInterval', '100 ms');
    expect(h.store.getState().config.drafts).toEqual({});
  });

  it('applies typed values to the cluster and says what changed', async () => {
    const h = withCluster();
    h.store.getState().editSetting('heartbeatInterval', '150');
    h.store.getState().editSetting('recoveryEnabled', 'false');
    h.store.getState().editSetting('storageQuota', '150MB');
    h.store.getState().editSetting('scrubIntervalSec', '2 h');
    await h.store.getState().applyConfig();
    expect(h.api.calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/api/config',
      options: { body: { heartbeatInterval: 150, recoveryEnabled: false, storageQuota: 150_000_000, scrubIntervalSec: 7200 } },
    });
    const applied = h.store.getState().config.lastApplied;
    expect(applied?.changes).toEqual([
      { key: 'heartbeatInterval', from: '100 ms', to: '150 ms' },
      { key: 'recoveryEnabled', from: 'true', to: 'false' },
      { key: 'storageQuota', from: '1,000 MiB', to: '150 MB' },
      { key: 'scrubIntervalSec', from: '1 h', to: '2 h' },
    ]);
    expect(h.store.getState().config.drafts).toEqual({});
  });

  it('sends node settings with ?node=', async () => {
    const h = withCluster();
    h.store.getState().setConfigTarget(2);
    h.store.getState().editSetting('logLevel', 'debug');
    await h.store.getState().applyConfig();
    expect(h.api.calls.at(-1)).toMatchObject({ method: 'PUT', path: '/api/config?node=2', options: { body: { logLevel: 'debug' } } });
  });

  it('catches invalid values before sending, per key', async () => {
    const h = withCluster();
    h.store.getState().editSetting('heartbeatInterval', 'fast');
    h.store.getState().editSetting('storageQuota', '1e3');
    h.store.getState().editSetting('scrubIntervalSec', '1.5 s');
    h.store.getState().editSetting('electionTimeout', '150');
    await h.store.getState().applyConfig();
    expect(h.api.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    expect(h.store.getState().config.errors).toEqual({
      heartbeatInterval: 'write a duration such as 300 ms, 1 s or 2 min',
      storageQuota: 'write a size such as 150 MB, 4 MiB or 1 GiB',
      scrubIntervalSec: 'must be a whole number of seconds',
    });
    h.store.getState().editSetting('heartbeatInterval', '100');
    h.store.getState().editSetting('storageQuota', '1000 MiB');
    h.store.getState().editSetting('scrubIntervalSec', '1 h');
    h.store.getState().editSetting('chunkSize', '1 B');
    await h.store.getState().applyConfig();
    expect(h.store.getState().config.errors).toEqual({ chunkSize: 'must be at least 1 KiB' });
    h.store.getState().editSetting('chunkSize', '1 MiB');
    await h.store.getState().applyConfig();
    expect(h.store.getState().config.errors).toEqual({ electionTimeout: 'must be at least 2× heartbeatInterval (150 ms < 2 × 100 ms)' });
  });

  it('shows the server’s config_invalid next to the key it names', async () => {
    const h = withCluster();
    h.api.on('PUT', /^\/api\/config/, () => failWith('config_invalid', 'chunkSize: chunk size is above the peer transport limit'));
    h.store.getState().editSetting('chunkSize', '2048');
    await h.store.getState().applyConfig();
    expect(h.store.getState().config).toMatchObject({
      applying: false,
      errors: { chunkSize: 'chunk size is above the peer transport limit' },
      formError: null,
      drafts: { chunkSize: '2048' },
    });
  });

  it('splits a multi-key detail', () => {
    expect(issuesFromDetail('a: too big; b: not a number; patch broken', new Set(['a', 'b']))).toEqual({
      byKey: { a: 'too big', b: 'not a number' },
      rest: ['patch broken'],
    });
  });
});
