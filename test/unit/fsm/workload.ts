// Seeded random command sequences for determinism and model tests: the same seed gives the same
// workload on every run, so a failure replays exactly.

import type { Command } from '../../../node-runtime/fsm/commands';
import { put } from './builders';

/** A deterministic pseudo-random generator (mulberry32) returning integers in [0, n). */
export function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/**
 * A mixed workload touching every command and every rejection (request ids repeated and reused too): a few names so that writes, locks
 * and deletes collide; a quota small enough to fill; clocks that sometimes lag (a new leader);
 * stale tokens, version preconditions, an invalid name and invalid settings now and then.
 */
export function workload(seed: number, length: number): Command[] {
  const random = seeded(seed);
  const names = ['a', 'b', 'docs/a', 'docs/b', 'docs/c/d', 'x\u00e9'];
  const commands: Command[] = [{ type: 'configSet', patch: { storageQuota: 5000 }, at: 0 }];
  let clock = 0;
  for (let i = 0; i < length; i += 1) {
    clock += random(300);
    const at = random(10) === 0 ? Math.max(0, clock - random(1000)) : clock;
    const name = random(50) === 0 ? '../escape' : (names[random(names.length)] as string);
    const token = `t${random(3)}`;
    const lockToken = random(4) === 0 ? { lockToken: token } : {};
    const expected = (key: 'expectedVersion' | 'expectedRevision') => (random(3) === 0 ? { [key]: random(3) === 0 ? 0 : random(i + 1) } : {});
    const expectedVersion = random(6) === 0 ? { ...expected('expectedVersion'), ...expected('expectedRevision') } : {};
    // Few ids, so some writes repeat one (answered from the table) or reuse it for another write.
    const requestId = random(3) === 0 ? { requestId: `r${random(40)}` } : {};
    switch (random(9)) {
      case 0:
      case 1:
        commands.push(put(name, random(2000), at, { ...lockToken, ...expectedVersion, ...requestId }));
        break;
      case 2:
        commands.push({ type: 'delete', name, at, ...lockToken, ...expectedVersion, ...requestId });
        break;
      case 3:
        commands.push({ type: 'lockAcquire', name, owner: `o${random(3)}`, token, ttlMs: 1 + random(2000), at });
        break;
      case 4:
        commands.push({ type: 'lockRenew', name, token, ttlMs: 1 + random(2000), at });
        break;
      case 5:
        commands.push({ type: 'lockRelease', name, token, at });
        break;
      case 6:
        commands.push({ type: 'configSet', patch: random(5) === 0 ? { chunkSize: 1 } : { storageQuota: 1000 + random(8000) }, at });
        break;
      default:
        commands.push({ type: 'tick', at });
    }
  }
  return commands;
}
