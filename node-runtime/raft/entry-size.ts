import type { Entry } from './types';

/** Fixed per-entry overhead counted towards message and batch sizes (term, index, kind, framing). */
const ENTRY_OVERHEAD_BYTES = 24;

export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** The size of an entry whose data is `dataBytes` long (held elsewhere, see MemoryStorage). */
export function entrySizeOf(dataBytes: number): number {
  return dataBytes + ENTRY_OVERHEAD_BYTES;
}

/**
 * The end (exclusive) of the longest run `ents[start..end)` within `maxBytes`, never shorter than
 * one entry. Walks only as far as the budget reaches, so a large backlog is not scanned per message.
 */
export function sizeLimitedEnd(ents: readonly Entry[], start: number, end: number, maxBytes: number | undefined, sizeOf: (e: Entry) => number = entrySize): number {
  if (maxBytes === undefined || end - start <= 1) return end;
  let size = sizeOf(ents[start] as Entry);
  for (let i = start + 1; i < end; i++) {
    size += sizeOf(ents[i] as Entry);
    if (size > maxBytes) return i;
  }
  return end;
}

/** The longest prefix of `ents` within `maxBytes`; never empty when `ents` is not. */
export function limitSize<T extends Entry>(ents: T[], maxBytes: number | undefined): T[] {
  const end = sizeLimitedEnd(ents, 0, ents.length, maxBytes);
  return end === ents.length ? ents : ents.slice(0, end);
}

/** The size of a run of entries, as an append message counts it. */
export function entriesSize(ents: readonly Entry[]): number {
  let size = 0;
  for (const e of ents) size += entrySize(e);
  return size;
}
