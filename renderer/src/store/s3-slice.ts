// The S3 key pair of the cluster this app runs, for the "Connect a tool" snippets. Attached
// clusters have none to give (404): the panel then says so instead of showing snippets.
import type { S3Access } from '../../../node-runtime/common/manager-api';
import type { S3Slice, SliceCreator } from './state';

function asAccess(body: unknown): S3Access | null {
  const access = body as Partial<S3Access> | undefined;
  return typeof access?.accessKey === 'string' && typeof access.secretKey === 'string' ? { accessKey: access.accessKey, secretKey: access.secretKey } : null;
}

export const createS3Slice: SliceCreator<S3Slice> = (set, _get, deps) => ({
  s3Access: { access: null, loaded: false },

  async loadS3Access() {
    try {
      set({ s3Access: { access: asAccess(await deps.api.request<unknown>('GET', '/api/s3-credentials')), loaded: true } });
    } catch {
      set({ s3Access: { access: null, loaded: true } });
    }
  },
});
