// ConfChange <-> entry data. Membership entries are opaque bytes in the log like any other; both
// the core (when a leader checks a proposal) and the application (when it applies the committed
// entry and calls applyConfChange) decode them here.

import type { ConfChange, ConfChangeOp, ConfChangeSingle } from './types';

const OPS: readonly ConfChangeOp[] = ['addVoter', 'addLearner', 'removeNode'];
const TRANSITIONS: readonly ConfChange['transition'][] = ['auto', 'joint', 'leaveJoint'];

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(cc));
}

export class ConfChangeDecodeError extends Error {
  constructor(detail: string) {
    super(`malformed ConfChange entry: ${detail}`);
    this.name = 'ConfChangeDecodeError';
  }
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    throw new ConfChangeDecodeError(String(err));
  }
  if (typeof raw !== 'object' || raw === null) throw new ConfChangeDecodeError('not an object');
  const { changes, transition, context } = raw as Record<string, unknown>;
  if (!TRANSITIONS.includes(transition as ConfChange['transition'])) throw new ConfChangeDecodeError(`transition ${String(transition)}`);
  if (!Array.isArray(changes)) throw new ConfChangeDecodeError('changes is not a list');
  const singles: ConfChangeSingle[] = changes.map((c: unknown) => {
    const { op, nodeId } = (c ?? {}) as Record<string, unknown>;
    if (!OPS.includes(op as ConfChangeOp)) throw new ConfChangeDecodeError(`op ${String(op)}`);
    if (typeof nodeId !== 'number' || !Number.isInteger(nodeId) || nodeId <= 0) throw new ConfChangeDecodeError(`nodeId ${String(nodeId)}`);
    return { op: op as ConfChangeOp, nodeId };
  });
  if (context !== undefined && typeof context !== 'string') throw new ConfChangeDecodeError('context is not a string');
  return {
    changes: singles,
    transition: transition as ConfChange['transition'],
    ...(context === undefined ? {} : { context }),
  };
}
