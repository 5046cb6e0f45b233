// The upload queue: files dropped or picked become entries that upload a few at a time, each with
// its progress, speed, and a readable error; cancel aborts, retry starts over. An upload the
// cluster cannot take right now (no leader, no node answering) waits for a leader and is sent
// again by itself, under the same request id, so it is stored once whatever became of the try.
import { validateFileName } from '../../../node-runtime/common/file-name';
import type { FileInfo } from '../../../node-runtime/common/api-types';
import { asRequestError } from '../api/request-error';
import type { UploadHandle, UploadOutcome } from '../api/upload';
import { describeFailure } from '../format/error-text';
import type { SliceCreator, UploadEntry, UploadsSlice } from './state';
import { refusalBeforeSending } from './upload-precheck';

export const MAX_PARALLEL_UPLOADS = 3;
/** Long enough to see that everything arrived. */
export const HIDE_AFTER_DONE_MS = 4000;
/** Failures that mean "not now": no leader, or no node or manager answering. */
const WAIT_FOR_LEADER_CODES: ReadonlySet<string> = new Set(['unavailable', 'no_quorum', 'not_leader', 'network']);
/** How long after a try failed with one of them the upload is sent again. */
export const LEADER_RETRY_MS = 1000;
/** How long an upload waits for a leader in all before it fails (nodes and manager wait 10 s per try too). */
export const LEADER_WAIT_LIMIT_MS = 60_000;

export const createUploadsSlice: SliceCreator<UploadsSlice> = (set, get, deps) => {
  const handles = new Map<string, UploadHandle>();
  /** Uploads waiting to be sent again, by id. */
  const waits = new Map<string, ReturnType<typeof setTimeout>>();
  let counter = 0;
  let hideTimer: ReturnType<typeof setTimeout> | null = null;

  const update = (id: string, change: (e: UploadEntry) => Partial<UploadEntry>) =>
    set((s) => ({ uploads: s.uploads.map((e) => (e.id === id ? { ...e, ...change(e) } : e)) }));

  function finish(id: string, outcome: UploadOutcome): void {
    handles.delete(id);
    if (outcome.kind === 'failed' && waitForLeader(id, outcome.code)) return;
    if (outcome.kind === 'done') {
      update(id, (e) => ({ state: 'done', bytesSent: e.size, waitingSince: null }));
      get().noteFilesChanged();
    } else if (outcome.kind === 'cancelled') {
      update(id, () => ({ state: 'cancelled', waitingSince: null }));
    } else {
      update(id, () => ({ state: 'failed', waitingSince: null, error: { code: outcome.code, message: describeFailure(outcome.code, outcome.detail) } }));
    }
    pump();
    hideWhenAllDone();
  }

  /** After a "not now" failure: waits (the entry keeps its slot) and sends again, until the limit. */
  function waitForLeader(id: string, code: string): boolean {
    const entry = get().uploads.find((e) => e.id === id);
    if (entry === undefined || !WAIT_FOR_LEADER_CODES.has(code)) return false;
    const since = entry.waitingSince ?? deps.now();
    if (deps.now() - since >= LEADER_WAIT_LIMIT_MS) return false;
    update(id, () => ({ waitingSince: since, bytesSent: 0, bytesPerSec: 0 }));
    waits.set(id, setTimeout(() => {
      waits.delete(id);
      const current = get().uploads.find((e) => e.id === id);
      if (current?.state === 'uploading') send(current, deps.now());
    }, LEADER_RETRY_MS));
    return true;
  }

  /** Once everything succeeded (or was cancelled), the dock goes away by itself a moment later. */
  function hideWhenAllDone(): void {
    if (hideTimer !== null) clearTimeout(hideTimer);
    hideTimer = null;
    if (!get().uploads.every((u) => u.state === 'done' || u.state === 'cancelled')) return;
    hideTimer = setTimeout(() => {
      hideTimer = null;
      if (get().uploads.every((u) => u.state === 'done' || u.state === 'cancelled')) get().clearFinishedUploads();
    }, HIDE_AFTER_DONE_MS);
  }

  /** The size of the file a name holds on the cluster now: 0 when none, null when unknown. */
  async function sizeOnCluster(name: string): Promise<number | null> {
    try {
      return (await deps.api.request<FileInfo>('GET', `/api/fileinfo?name=${encodeURIComponent(name)}`)).size;
    } catch (err) {
      return asRequestError(err).status === 404 ? 0 : null;
    }
  }

  function start(entry: UploadEntry): void {
    const startedAt = deps.now();
    update(entry.id, () => ({ state: 'uploading', startedAt, bytesSent: 0, bytesPerSec: 0, error: null }));
    const listed = get().files.items.find((i) => i.name === entry.name);
    const refusal = refusalBeforeSending(get().liveSnapshot(), entry.name, entry.size, listed?.size ?? 0);
    if (refusal === null) {
      send(entry, startedAt);
      return;
    }
    // Finished a tick later: pump() is still walking the queue that started this entry.
    const refuse = (r: NonNullable<typeof refusal>) => void Promise.resolve().then(() => finish(entry.id, { kind: 'failed', code: r.code, detail: r.detail }));
    if (refusal.code !== 'quota_exceeded' || listed !== undefined) {
      refuse(refusal);
      return;
    }
    // An overwrite frees the old copy's bytes; its size decides, when the listing did not show it.
    void sizeOnCluster(entry.name).then((replaced) => {
      const again = replaced === null ? null : refusalBeforeSending(get().liveSnapshot(), entry.name, entry.size, replaced);
      if (again === null) send(entry, startedAt);
      else refuse(again);
    });
  }

  function send(entry: UploadEntry, startedAt: number): void {
    const handle = deps.startUpload({
      name: entry.name,
      body: entry.file,
      uploadId: entry.id,
      requestId: entry.requestId,
      lockToken: get().files.heldLocks[entry.name],
      onProgress: (bytesSent) => {
        const seconds = (deps.now() - startedAt) / 1000;
        update(entry.id, () => ({ bytesSent, bytesPerSec: seconds > 0 ? bytesSent / seconds : 0 }));
      },
    });
    handles.set(entry.id, handle);
    void handle.outcome.then((outcome) => finish(entry.id, outcome));
  }

  function pump(): void {
    const uploads = get().uploads;
    let active = uploads.filter((e) => e.state === 'uploading').length;
    for (const entry of uploads) {
      if (active >= MAX_PARALLEL_UPLOADS) break;
      if (entry.state !== 'queued') continue;
      start(entry);
      active += 1;
    }
  }

  return {
    uploads: [],

    enqueueUploads(items) {
      const entries = items.map(({ name, file }): UploadEntry => {
        counter += 1;
        const checked = validateFileName(name);
        const id = `upload-${deps.now().toString(36)}-${counter}`;
        return {
          id,
          // Unique across dashboards and reloads too: the cluster keeps request ids for minutes.
          requestId: `${id}-${Math.random().toString(36).slice(2, 12)}`,
          waitingSince: null,
          name: checked.ok ? checked.name : name,
          file,
          size: file.size,
          state: checked.ok ? 'queued' : 'failed',
          bytesSent: 0,
          bytesPerSec: 0,
          startedAt: null,
          error: checked.ok ? null : { code: 'name_invalid', message: describeFailure('name_invalid', checked.detail) },
        };
      });
      set((s) => ({ uploads: [...s.uploads, ...entries] }));
      pump();
    },

    cancelUpload(id) {
      const handle = handles.get(id);
      const wait = waits.get(id);
      if (handle !== undefined) handle.abort();
      else if (wait !== undefined) {
        clearTimeout(wait);
        waits.delete(id);
        finish(id, { kind: 'cancelled' });
      } else update(id, (e) => (e.state === 'queued' ? { state: 'cancelled' } : {}));
    },

    retryUpload(id) {
      update(id, (e) => (e.state === 'failed' || e.state === 'cancelled' ? { state: 'queued', bytesSent: 0, bytesPerSec: 0, error: null, waitingSince: null } : {}));
      pump();
    },

    dismissUpload(id) {
      if (handles.has(id) || waits.has(id)) return;
      set((s) => ({ uploads: s.uploads.filter((e) => e.id !== id) }));
    },

    clearFinishedUploads() {
      set((s) => ({ uploads: s.uploads.filter((e) => e.state !== 'done' && e.state !== 'cancelled') }));
    },
  };
};
