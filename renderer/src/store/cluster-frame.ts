// What every cluster view shows at one moment — the snapshot, the election's events, the recovery
// history and its catch-ups — as a pure fold over the manager's records. The live dashboard folds
// each record as it arrives; replay folds the journal's records up to the chosen moment. One code
// path, so the past is shown exactly as it was shown live.
import type { JournalRecord } from '../../../node-runtime/common/manager-api';
import { foldCatchUps, NO_CATCH_UPS, type CatchUpHistory } from './catch-up-history';
import { electionEventsAfter } from './election-events';
import { recoveryEventsAfter } from './recovery-transitions';
import type { AppState } from './state';

export type ClusterFrame = Pick<AppState, 'snapshot' | 'electionEvents' | 'recoveryEvents' | 'catchUpHistory'>;

export const EMPTY_FRAME: ClusterFrame = { snapshot: null, electionEvents: [], recoveryEvents: [], catchUpHistory: NO_CATCH_UPS };

/** The frame after `record`; the same object when the record changed nothing in it. */
export function foldFrame(frame: ClusterFrame, record: JournalRecord): ClusterFrame {
  const catchUpHistory: CatchUpHistory = foldCatchUps(frame.catchUpHistory, record);
  switch (record.name) {
    case 'snapshot':
      return { ...frame, snapshot: record.data, recoveryEvents: recoveryEventsAfter(frame.recoveryEvents, frame.snapshot, record.data), catchUpHistory };
    case 'nodeEvent': {
      const electionEvents = electionEventsAfter(frame.electionEvents, record.data, record.at);
      return electionEvents === frame.electionEvents && catchUpHistory === frame.catchUpHistory ? frame : { ...frame, electionEvents, catchUpHistory };
    }
    default:
      return frame;
  }
}

/** The frame of the store's own (live) fields. */
export function frameOf(state: ClusterFrame): ClusterFrame {
  const { snapshot, electionEvents, recoveryEvents, catchUpHistory } = state;
  return { snapshot, electionEvents, recoveryEvents, catchUpHistory };
}

/** `records` (oldest first) from index `from` up to and including moment `at`, folded into `frame`; and the index where it stopped. */
export function foldUntil(frame: ClusterFrame, records: readonly JournalRecord[], from: number, at: number): { frame: ClusterFrame; next: number } {
  let folded = frame;
  let i = from;
  for (; i < records.length && (records[i] as JournalRecord).at <= at; i += 1) folded = foldFrame(folded, records[i] as JournalRecord);
  return { frame: folded, next: i };
}
