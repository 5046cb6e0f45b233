// Model-based test: the state machine against a deliberately naive re-statement of its rules
// (plain maps, totals recomputed from scratch, leases scanned on every step). Any difference in
// an outcome or in the resulting state is a bug in one of the two, found with a replayable seed.

import { describe, expect, it } from 'vitest';
import type { Command } from '../../../node-runtime/fsm/commands';
import { REQUEST_ID_TTL_MS } from '../../../node-runtime/fsm/request-table';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { workload } from './workload';

interface ModelFile { size: number; version: number; revision: number; createdAt: number; modifiedAt: number }
interface ModelLock { owner: string; token: string; expiresAt: number }
interface ModelRequest { type: string; name: string; sha256: string | null; at: number }

class Model {
  readonly files = new Map<string, ModelFile>();
  readonly locks = new Map<string, ModelLock>();
  readonly requests = new Map<string, ModelRequest>();
  quota = 10 * 1024 ** 3;
  time = 0;

  used(): number {
    let sum = 0;
    for (const f of this.files.values()) sum += f.size;
    return sum;
  }

  /** The outcome as 'ok' or a rejection code. */
  step(index: number, c: Command): string {
    this.time = Math.max(this.time, c.at);
    for (const [name, lock] of [...this.locks]) if (lock.expiresAt <= this.time) this.locks.delete(name);
    for (const [id, request] of [...this.requests]) if (request.at + REQUEST_ID_TTL_MS <= this.time) this.requests.delete(id);
    if (c.type === 'tick') return 'ok';
    if (c.type === 'configSet') {
      if ('chunkSize' in c.patch) return 'config_invalid';
      this.quota = c.patch.storageQuota as number;
      return 'ok';
    }
    if ((c.type === 'put' || c.type === 'delete') && c.requestId !== undefined) {
      const first = this.requests.get(c.requestId);
      const sha256 = c.type === 'put' ? c.sha256 : null;
      if (first) return first.type === c.type && first.name === c.name && (sha256 === null || first.sha256 === sha256) ? 'ok' : 'request_id_reused';
      const outcome = this.write(index, c);
      if (outcome === 'ok') this.requests.set(c.requestId, { type: c.type, name: c.name, sha256, at: this.time });
      return outcome;
    }
    return this.write(index, c);
  }

  private write(index: number, c: Exclude<Command, { type: 'tick' | 'configSet' }>): string {
    if (c.name.includes('..')) return 'name_invalid';
    const lock = this.locks.get(c.name);
    switch (c.type) {
      case 'put':
      case 'delete': {
        if (lock && c.lockToken !== lock.token) return 'locked';
        if (!lock && c.lockToken !== undefined) return 'lock_token_invalid';
        const file = this.files.get(c.name);
        if (c.type === 'delete' && !file) return 'not_found';
        if (c.expectedVersion !== undefined && c.expectedVersion !== (file?.version ?? 0)) return 'conflict';
        if (c.expectedRevision !== undefined && c.expectedRevision !== (file?.revision ?? 0)) return 'conflict';
        if (c.type === 'delete') {
          this.files.delete(c.name);
          return 'ok';
        }
        if (c.size > this.quota) return 'file_too_large';
        const growth = c.size - (file?.size ?? 0);
        if (growth > 0 && this.used() + growth > this.quota) return 'quota_exceeded';
        this.files.set(c.name, { size: c.size, version: (file?.version ?? 0) + 1, revision: index, createdAt: file?.createdAt ?? this.time, modifiedAt: this.time });
        return 'ok';
      }
      case 'lockAcquire':
        if (lock) return 'locked';
        this.locks.set(c.name, { owner: c.owner, token: c.token, expiresAt: this.time + c.ttlMs });
        return 'ok';
      case 'lockRenew':
      case 'lockRelease':
        if (!lock || lock.token !== c.token) return 'lock_token_invalid';
        if (c.type === 'lockRelease') this.locks.delete(c.name);
        else lock.expiresAt = this.time + c.ttlMs;
        return 'ok';
    }
  }
}

function stateOf(machine: StateMachine) {
  return {
    files: machine.list({ limit: 1000 }).items.map((f) => [f.name, { size: f.size, version: f.version, revision: f.revision, createdAt: f.createdAt, modifiedAt: f.modifiedAt }]),
    locks: machine.listLocks().map((l) => [l.name, { owner: l.owner, token: l.token, expiresAt: l.expiresAt }]),
    bytes: machine.totals().bytes,
    quota: machine.clusterConfig().storageQuota,
  };
}

function stateOfModel(model: Model) {
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { ...v }]);
  return { files: sorted(model.files), locks: sorted(model.locks), bytes: model.used(), quota: model.quota };
}

describe('state machine vs naive model', () => {
  it.each([1, 2, 3, 4, 5])('agrees on every outcome and state (seed %i)', (seed) => {
    const machine = new StateMachine();
    const model = new Model();
    const outcomes = new Set<string>();
    workload(seed, 3000).forEach((command, i) => {
      const index = i + 1;
      const result = machine.apply(index, command);
      const actual = result.ok ? 'ok' : result.rejection.code;
      const expected = model.step(index, command);
      outcomes.add(actual);
      expect(actual, `seed ${seed}, entry ${index}: ${JSON.stringify(command)}`).toBe(expected);
      if (index % 100 === 0) expect(stateOf(machine), `seed ${seed}, after entry ${index}`).toEqual(stateOfModel(model));
    });
    expect(stateOf(machine)).toEqual(stateOfModel(model));
    // The workload reached every outcome, or agreement would prove little.
    expect([...outcomes].sort()).toEqual(
      ['config_invalid', 'conflict', 'file_too_large', 'lock_token_invalid', 'locked', 'name_invalid', 'not_found', 'ok', 'quota_exceeded', 'request_id_reused'].sort(),
    );
  });
});
