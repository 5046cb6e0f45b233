// The recovery history's slice: its events and catch-ups come from the cluster frame's fold
// (cluster-frame.ts); here only what the node logs add (a corrupt chunk the scrubber found).
import { NO_CATCH_UPS } from './catch-up-history';
import { MAX_RECOVERY_EVENTS } from './recovery-transitions';
import type { HistorySlice, RecoveryEvent, SliceCreator } from './state';

/** Log events (the `event` field of a node's JSON line) that belong in the recovery history. */
const RECOVERY_LOG_EVENTS: Readonly<Record<string, RecoveryEvent['kind']>> = { scrubCorruptChunk: 'corruptChunk' };

export const createHistorySlice: SliceCreator<HistorySlice> = (set) => ({
  recoveryEvents: [],
  catchUpHistory: NO_CATCH_UPS,

  observeLogLine(line) {
    const event = line.fields.event;
    const kind = typeof event === 'string' ? RECOVERY_LOG_EVENTS[event] : undefined;
    if (kind === undefined) return;
    set((s) => ({ recoveryEvents: [...s.recoveryEvents, { time: line.time, nodeId: line.nodeId, kind, text: line.msg }].slice(-MAX_RECOVERY_EVENTS) }));
  },
});
