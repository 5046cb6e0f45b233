import { describe, expect, it } from 'vitest';
import { placeFromHash, placeToHash, syncPlaceWithUrl } from '../../../renderer/src/shell/url-state';
import { harness, settle } from './fake-deps';

/** A window's address and history, as far as the sync uses them. */
function fakeWindow(hash: string) {
  const listeners = new Set<() => void>();
  const win = {
    location: { hash },
    pushed: [] as string[],
    history: {
      state: null,
      pushState(_state: unknown, _title: string, url: string) {
        win.pushed.push(url);
        win.location.hash = url;
      },
      replaceState(_state: unknown, _title: string, url: string) {
        win.location.hash = url;
      },
    },
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    /** What the back button does: the address changes, then popstate fires. */
    goTo(url: string) {
      win.location.hash = url;
      for (const listener of listeners) listener();
    },
  };
  return win;
}

describe('the place in the address', () => {
  it('writes and reads the view and folder, names with spaces and slashes included', () => {
    expect(placeToHash({ tab: 'files', folder: 'my photos/2024/' })).toBe('#/files/my%20photos/2024/');
    expect(placeFromHash('#/files/my%20photos/2024/')).toEqual({ tab: 'files', folder: 'my photos/2024/' });
    expect(placeToHash({ tab: 'raft', folder: 'ignored/' })).toBe('#/raft');
    expect(placeFromHash('#/config')).toEqual({ tab: 'config', folder: '' });
    expect(placeFromHash('#/nowhere')).toBeNull();
    expect(placeFromHash('')).toBeNull();
    expect(placeFromHash('#/files/%E0%A4%A')).toBeNull();
  });

  it('opens the place a reload lands on, records each move, and follows the back button', async () => {
    const h = harness();
    h.api.on('GET', /^\/api\/files/, () => ({ items: [], nextCursor: null }));
    const win = fakeWindow('#/files/docs/sub/');
    const stop = syncPlaceWithUrl(h.store, win as never);
    await settle();
    expect(h.store.getState()).toMatchObject({ tab: 'files', files: { prefix: 'docs/sub/' } });
    expect(h.api.calls.map((c) => c.path)).toContain('/api/files?limit=1000&delimiter=%2F&prefix=docs%2Fsub%2F');

    h.store.getState().setFilePrefix('docs/');
    h.store.getState().setTab('config');
    expect(win.pushed).toEqual(['#/files/docs/', '#/config']);

    win.goTo('#/files/docs/');
    expect(h.store.getState()).toMatchObject({ tab: 'files', files: { prefix: 'docs/' } });
    expect(win.pushed).toHaveLength(2);
    stop();
    h.store.getState().setTab('logs');
    expect(win.pushed).toHaveLength(2);
  });

  it('starts on Overview from an address that names no view, and says so in the address', () => {
    const h = harness();
    const win = fakeWindow('#something-else');
    syncPlaceWithUrl(h.store, win as never);
    expect(h.store.getState().tab).toBe('overview');
    expect(win.location.hash).toBe('#/overview');
  });
});
