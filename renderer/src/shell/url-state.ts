// The open view and folder live in the address (`#/files/photos/2024/`), so a reload and the
// back button keep your place. The hash, not the path: the manager serves one page for all.
import type { AppStore, TabId } from '../store/state';
import { TABS } from '../store/state';

export interface Place {
  readonly tab: TabId;
  /** The Files view's folder ("" or a path ending in "/"). */
  readonly folder: string;
}

export function placeToHash({ tab, folder }: Place): string {
  const segments = tab === 'files' ? folder.split('/').filter((s) => s !== '').map(encodeURIComponent) : [];
  return `#/${[tab, ...segments].join('/')}${segments.length > 0 ? '/' : ''}`;
}

/** Null for an address that names no view (an empty or foreign hash). */
export function placeFromHash(hash: string): Place | null {
  const [tab, ...rest] = hash.replace(/^#\/?/, '').split('/');
  if (!TABS.includes(tab as TabId)) return null;
  let segments: string[];
  try {
    segments = rest.filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return null;
  }
  return { tab: tab as TabId, folder: tab === 'files' && segments.length > 0 ? `${segments.join('/')}/` : '' };
}

type UrlWindow = Pick<Window, 'addEventListener' | 'removeEventListener'> & {
  readonly location: Pick<Location, 'hash'>;
  readonly history: Pick<History, 'pushState' | 'replaceState' | 'state'>;
};

/**
 * Opens the place the address names, then keeps both in step: moving in the app adds a history
 * entry, the back and forward buttons move the app. Returns the way to stop.
 */
export function syncPlaceWithUrl(store: AppStore, win: UrlWindow): () => void {
  // Opening a place takes two store changes; the address must not record the state between them.
  let applying = false;
  const apply = (place: Place) => {
    applying = true;
    try {
      if (place.tab === 'files') store.getState().setFilePrefix(place.folder);
      store.getState().setTab(place.tab);
    } finally {
      applying = false;
    }
  };
  const current = (): Place => ({ tab: store.getState().tab, folder: store.getState().files.prefix });
  const initial = placeFromHash(win.location.hash);
  if (initial !== null) apply(initial);
  win.history.replaceState(win.history.state, '', placeToHash(current()));

  const onPopState = () => {
    const place = placeFromHash(win.location.hash);
    if (place !== null) apply(place);
  };
  win.addEventListener('popstate', onPopState);
  const unsubscribe = store.subscribe(() => {
    if (applying) return;
    const hash = placeToHash(current());
    if (hash !== win.location.hash) win.history.pushState(win.history.state, '', hash);
  });
  return () => {
    unsubscribe();
    win.removeEventListener('popstate', onPopState);
  };
}
