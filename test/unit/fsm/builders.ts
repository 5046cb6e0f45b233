// Small builders for state-machine tests: commands with sensible defaults and a driver that
// numbers entries the way Raft would.

import type { Command, PutCommand } from '../../../node-runtime/fsm/commands';
import type { ApplyResult, Rejection } from '../../../node-runtime/fsm/outcomes';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';

/** A valid-looking SHA-256 hex digest derived from a label. */
export function hashOf(label: string): string {
  let h = 0x811c9dc5;
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

/** A put of `size` bytes in one chunk (none for an empty file). */
export function put(name: string, size: number, at: number, extra: Partial<PutCommand> = {}): PutCommand {
  const chunks = size > 0 ? [{ hash: hashOf(`${name}:${size}`), size }] : [];
  return { type: 'put', name, size, sha256: hashOf(`file:${name}:${size}`), chunks, at, ...extra };
}

/** A state machine plus the next Raft index, so tests read as a sequence of commands. */
export class Driver {
  readonly machine: StateMachine;
  private nextIndex: number;

  constructor(machine = new StateMachine()) {
    this.machine = machine;
    this.nextIndex = machine.lastApplied() + 1;
  }

  apply(command: Command): ApplyResult {
    const index = this.nextIndex;
    this.nextIndex += 1;
    return this.machine.apply(index, command);
  }

  /** Applies a command that must succeed. */
  ok(command: Command) {
    const result = this.apply(command);
    if (!result.ok) throw new Error(`expected ${command.type} to succeed, got ${JSON.stringify(result.rejection)}`);
    return result;
  }

  /** Applies a command that must be rejected and returns the rejection. */
  rejected(command: Command): Rejection {
    const result = this.apply(command);
    if (result.ok) throw new Error(`expected ${command.type} to be rejected, got ${JSON.stringify(result)}`);
    return result.rejection;
  }
}

/** Everything observable about the replicated state except the applied index and log time. */
export function observable(machine: StateMachine) {
  return {
    files: machine.list({ limit: 1_000_000 }).items,
    totals: machine.totals(),
    locks: machine.listLocks(),
    config: machine.clusterConfigLayered(),
    chunks: machine.referencedChunkHashes(),
  };
}
