// The bearer token that authorises every `/api` request in web mode. It arrives once in the page
// URL (`?token=...`); we keep it for this tab (sessionStorage, so a reload still works) and strip it
// from the address bar so it is not bookmarked, shared or left in history. In Electron the main
// process adds the token itself, so "no token" is a normal state, not an error.

const STORAGE_KEY = 'dfs-desktop.token';

export interface TokenSources {
  readonly location: Pick<Location, 'href'>;
  readonly history: Pick<History, 'replaceState' | 'state'>;
  readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

export function takeToken({ location, history, storage }: TokenSources): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    storage?.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage?.getItem(STORAGE_KEY) ?? null;
}

/** sessionStorage throws in some sandboxed contexts; the token then lives in memory only. */
export function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
