import type { ConfState, Entry, SnapshotMetadata } from '../../../node-runtime/raft/types';

export const CONF: ConfState = { voters: [1, 2, 3], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };

/** Entries [from, to] in `term`, each carrying a small recognisable payload. */
export function entries(from: number, to: number, term: number, tag = ''): Entry[] {
  const out: Entry[] = [];
  for (let index = from; index <= to; index++) {
    out.push({ index, term, kind: 'normal', data: new TextEncoder().encode(`e${index}t${term}${tag}`) });
  }
  return out;
}

export function snapshotAt(index: number, term: number): SnapshotMetadata {
  return { index, term, confState: CONF };
}

/** Index, term and payload of each entry, for readable equality checks. */
export function summary(list: readonly Entry[]): string[] {
  return list.map((e) => `${e.index}/${e.term}/${new TextDecoder().decode(e.data)}`);
}
