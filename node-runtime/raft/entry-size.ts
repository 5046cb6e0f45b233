import type { Entry } from './types';

/** Fixed per-entry overhead counted towards message and batch sizes (term, index, kind, framing). */
const ENTRY_OVERHEAD_BYTES = 24;

export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** The longest prefix of `ents` within `maxBytes`; never empty when `ents` is not. */
export function limitSize<T extends Entry>(ents: T[], maxBytes: number | undefined): T[] {
  if (maxBytes === undefined || ents.length <= 1) return ents;
  let size = 0;
  for (let i = 0; i < ents.length; i++) {
    size += entrySize(ents[i] as T);
    if (i > 0 && size > maxBytes) return ents.slice(0, i);
  }
  return ents;
}
