// Which view is showing (opening the Files view loads the listing the first time), and the
// app-only actions on the window itself.
import type { SliceCreator, UiSlice } from './state';

export const createUiSlice: SliceCreator<UiSlice> = (set, get, deps) => ({
  tab: 'overview',
  attachFormOpen: false,
  canOpenDataFolder: deps.desktop !== null,
  setAttachFormOpen: (open) => set({ attachFormOpen: open }),
  openDataFolder: () => void deps.desktop?.openDataFolder(),
  setTab(tab) {
    set({ tab });
    if (tab === 'files' && !get().files.loadedOnce && get().files.status !== 'loading') void get().loadFiles();
  },
});
