// Local folders whose new and changed files the manager uploads to the cluster. The list arrives
// over SSE (`watchedFolders`); adding one is a typed path in web mode and the native picker in
// the app, where the page never names a folder itself.
import type { WatchedFolder } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import type { SliceCreator, WatchedData, WatchedSlice } from './state';

export const createWatchedSlice: SliceCreator<WatchedSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);
  const patch = (update: Partial<WatchedData>) => set((s) => ({ watched: { ...s.watched, ...update } }));

  async function change(run: () => Promise<unknown>): Promise<boolean> {
    if (get().watched.busy) return false;
    patch({ busy: true, error: null });
    try {
      await run();
      patch({ busy: false });
      return true;
    } catch (err) {
      const failure = asRequestError(err);
      patch({ busy: false, error: describeFailure(failure.code, failure.detail) });
      return false;
    }
  }

  /** Shows a change at once; the manager's next `watchedFolders` event confirms it. */
  const upsert = (folder: WatchedFolder) =>
    patch({ folders: [...(get().watched.folders ?? []).filter((f) => f.id !== folder.id), folder] });

  return {
    watched: { folders: null, busy: false, error: null },
    canPickFolders: deps.desktop !== null,
    canRevealFolders: deps.desktop !== null,

    watchFolderPath: (path, deletePolicy) =>
      change(async () => upsert(await request<WatchedFolder>('POST', '/api/watched-folders', { body: { path, deletePolicy } }))),

    updateWatchedFolder: (id, settings) =>
      change(async () => upsert(await request<WatchedFolder>('PATCH', `/api/watched-folders/${encodeURIComponent(id)}`, { body: settings }))),

    rescanWatchedFolder: async (id) => {
      await change(() => request('POST', `/api/watched-folders/${encodeURIComponent(id)}/rescan`));
    },

    resumeWatchedFolder: async (id) => {
      await change(async () => upsert(await request<WatchedFolder>('POST', `/api/watched-folders/${encodeURIComponent(id)}/resume`)));
    },

    async chooseFolderToWatch(deletePolicy) {
      const desktop = deps.desktop;
      if (desktop === null) return;
      await change(async () => {
        const folder = await desktop.chooseFolderToWatch();
        if (folder === null) return;
        upsert(folder);
        // The picker adds with the default policy; a new folder has nothing to delete yet, so
        // setting it right after is the same as choosing it in the dialog.
        if (folder.deletePolicy !== deletePolicy) {
          upsert(await request<WatchedFolder>('PATCH', `/api/watched-folders/${encodeURIComponent(folder.id)}`, { body: { deletePolicy } }));
        }
      });
    },

    stopWatching: async (id) => {
      await change(async () => {
        await request('DELETE', `/api/watched-folders/${encodeURIComponent(id)}`);
        patch({ folders: (get().watched.folders ?? []).filter((f) => f.id !== id) });
      });
    },

    revealWatchedFolder(id) {
      void deps.desktop?.revealInFolder(id);
    },
  };
};
