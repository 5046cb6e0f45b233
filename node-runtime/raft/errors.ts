// Errors the core raises. Invariant violations are never caught inside the core: an impossible
// state must stop the process loudly, with enough context (node, term, index) to debug it.

import type { NodeId } from './types';

export interface InvariantContext {
  readonly nodeId?: NodeId;
  readonly term?: number;
  readonly index?: number;
  readonly [key: string]: unknown;
}

/** A broken Raft invariant or a driver that broke its contract. Never recoverable. */
export class RaftInvariantError extends Error {
  constructor(
    message: string,
    readonly context: InvariantContext = {},
  ) {
    super(`raft invariant violated: ${message} ${JSON.stringify(context)}`);
    this.name = 'RaftInvariantError';
  }
}

export function invariant(condition: boolean, message: string, context?: InvariantContext): asserts condition {
  if (!condition) throw new RaftInvariantError(message, context);
}

/** The requested index lies in the part of the log already replaced by a snapshot. */
export class CompactedError extends Error {
  constructor(readonly index: number, readonly firstIndex: number) {
    super(`log index ${index} is compacted (first index ${firstIndex})`);
    this.name = 'CompactedError';
  }
}

/** A snapshot older than the one already held was handed in. */
export class SnapshotOutOfDateError extends Error {
  constructor(readonly index: number, readonly currentIndex: number) {
    super(`snapshot at ${index} is older than the current snapshot at ${currentIndex}`);
    this.name = 'SnapshotOutOfDateError';
  }
}

/** A membership change that cannot be applied to the current configuration. */
export class ConfChangeError extends Error {
  constructor(message: string) {
    super(`invalid membership change: ${message}`);
    this.name = 'ConfChangeError';
  }
}
