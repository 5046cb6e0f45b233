// "Back up now": the manager streams a backup from the cluster, checks it and saves it into a
// folder on its machine. In the app that folder comes from the native picker; in a browser it is
// typed, since a page cannot name a folder on disk.
import type { SavedBackup } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import type { BackupData, BackupSlice, SliceCreator } from './state';

export const createBackupSlice: SliceCreator<BackupSlice> = (set, get, deps) => {
  const patch = (update: Partial<BackupData>) => set((s) => ({ backup: { ...s.backup, ...update } }));
  return {
    backup: { busy: false, saved: null, error: null },
    canPickBackupFolder: deps.desktop !== null,

    async backUpNow(folder) {
      if (get().backup.busy) return;
      patch({ busy: true, saved: null, error: null });
      try {
        patch({ busy: false, saved: await deps.api.request<SavedBackup>('POST', '/api/backups', { body: { folder } }) });
      } catch (err) {
        const failure = asRequestError(err);
        patch({ busy: false, error: describeFailure(failure.code, failure.detail) });
      }
    },

    async chooseBackupFolder() {
      try {
        return (await deps.desktop?.chooseBackupFolder()) ?? null;
      } catch {
        // The system dialog's own error text means nothing to a person: say what happened and what to do.
        patch({ error: 'The folder picker did not open. Try again; if it still does not open, restart the app.' });
        return null;
      }
    },
  };
};
