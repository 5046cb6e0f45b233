// Saved clusters: the local one the app runs, and headless clusters elsewhere it can attach to.
import type { ProfileList } from '../../../node-runtime/common/manager-api';
import { asRequestError } from '../api/request-error';
import { describeFailure } from '../format/error-text';
import type { ProfilesData, ProfilesSlice, SliceCreator } from './state';

/** Managers that predate profiles answer 404, older bodies may lack the list: show no switcher. */
function asProfileList(body: unknown): ProfileList | null {
  const list = body as Partial<ProfileList> | undefined;
  return typeof list?.active === 'string' && Array.isArray(list.profiles) ? (list as ProfileList) : null;
}

export const createProfilesSlice: SliceCreator<ProfilesSlice> = (set, get, deps) => {
  const request = deps.api.request.bind(deps.api);
  const patch = (update: Partial<ProfilesData>) => set((s) => ({ profiles: { ...s.profiles, ...update } }));

  /** Every profile route answers with the new list. */
  async function change(busy: string, send: () => Promise<unknown>): Promise<boolean> {
    if (get().profiles.busy !== null) return false;
    patch({ busy, error: null });
    try {
      patch({ list: asProfileList(await send()) ?? get().profiles.list, busy: null });
      return true;
    } catch (err) {
      const failure = asRequestError(err);
      patch({ busy: null, error: describeFailure(failure.code, failure.detail) });
      return false;
    }
  }

  const path = (name: string) => `/api/profiles/${encodeURIComponent(name)}`;

  return {
    profiles: { list: null, busy: null, error: null },

    async loadProfiles() {
      try {
        patch({ list: asProfileList(await request<unknown>('GET', '/api/profiles')) });
      } catch {
        // Without profiles the switcher stays hidden; the rest of the dashboard does not need it.
      }
    },

    activateProfile: async (name) => {
      await change('activate', () => request('POST', `${path(name)}/activate`));
    },

    saveAttachProfile: (name, body) => change('save', () => request('PUT', path(name), { body })),

    removeProfile: async (name) => {
      await change('remove', () => request('DELETE', path(name)));
    },
  };
};
