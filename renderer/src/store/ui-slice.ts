// Which view is showing. Opening the Files view loads the listing the first time.
import type { SliceCreator, UiSlice } from './state';

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => ({
  tab: 'overview',
  setTab(tab) {
    set({ tab });
    if (tab === 'files' && !get().files.loadedOnce && get().files.status !== 'loading') void get().loadFiles();
  },
});
