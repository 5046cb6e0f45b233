// The leader's side of issue #18: which command format the next entry is written in as members
// come and go between releases, what it says in the log when that changes, and whom member add
// refuses. The members and their advertised ranges are plain values the test moves; the rule
// itself is tested in test/unit/common/command-formats.test.ts.
import { describe, expect, it } from 'vitest';
import type { FormatRange } from '../../../node-runtime/common/command-formats';
import type { ApiError } from '../../../node-runtime/common/errors';
import { CommandFormatGate } from '../../../node-runtime/services/command-format-gate';
import { FakeClock } from './fake-clock';

const own: FormatRange = { min: 1, max: 3 };

function setUp(members: number[]) {
  const advertised = new Map<number, FormatRange>();
  const logged: { level: string; message: string }[] = [];
  const clock = new FakeClock();
  const gate = new CommandFormatGate({
    selfId: 1,
    own,
    members: () => members,
    advertised: () => advertised,
    log: { info: (_d, message) => logged.push({ level: 'info', message }), warn: (_d, message) => logged.push({ level: 'warn', message }) },
    clock,
  });
  return { gate, advertised, logged, clock, members };
}

describe('CommandFormatGate', () => {
  it('writes format 1 until every member is heard from with 3, then 3; it logs each change once', () => {
    const { gate, advertised, logged } = setUp([2, 3]);
    expect(gate.format()).toBe(1);
    expect(gate.format()).toBe(1);
    advertised.set(2, own);
    expect(gate.format()).toBe(1);
    advertised.set(3, own);
    expect(gate.format()).toBe(3);
    expect(logged).toEqual([
      { level: 'warn', message: 'writing command format 1, not 3, until nodes 2, 3 are upgraded (or heard from)' },
      { level: 'warn', message: 'writing command format 1, not 3, until node 3 is upgraded (or heard from)' },
      { level: 'info', message: 'writing command format 3: every member applies it' },
    ]);
    expect(gate.status()).toEqual({ applies: own, writes: 3, behind: [], cannot: [] });
  });

  it('drops back when a member restarts as an older release, and when a learner of one joins', () => {
    const { gate, advertised, members } = setUp([2]);
    advertised.set(2, own);
    expect(gate.format()).toBe(3);
    advertised.set(2, { min: 1, max: 2 });
    expect(gate.format()).toBe(2);
    advertised.set(2, own);
    members.push(4);
    expect(gate.format()).toBe(1);
    expect(gate.status().behind).toEqual([4]);
  });

  it('names a member with no format in common, whose stream is refused, and keeps writing for the others', () => {
    const { gate, advertised, logged } = setUp([2, 3]);
    advertised.set(2, own);
    advertised.set(3, { min: 4, max: 4 });
    expect(gate.format()).toBe(3);
    expect(gate.status()).toEqual({ applies: own, writes: 3, behind: [], cannot: [3] });
    expect(logged).toEqual([
      { level: 'warn', message: 'node 3 cannot apply command format 3, which node 1 (1-3) writes for the others: cut off until upgraded, or this node is' },
      { level: 'info', message: 'writing command format 3' },
    ]);
  });

  describe('admit (member add)', () => {
    it('refuses a newcomer that does not apply the format the cluster writes, as soon as it answers', async () => {
      const { gate, advertised, clock } = setUp([2]);
      advertised.set(2, own);
      const admitted = gate.admit(4).then(
        () => 'admitted',
        (err: ApiError) => err.message,
      );
      await clock.advance(1_000);
      advertised.set(4, { min: 1, max: 1 });
      await clock.advance(50);
      expect(await admitted).toBe('conflict: node 4 applies command formats 1, and this cluster writes format 3: upgrade it before adding it');
    });

    it('admits a newcomer of this release, and one of an older release while the cluster still writes its format', async () => {
      const { gate, advertised } = setUp([2]);
      advertised.set(2, own);
      advertised.set(4, own);
      await expect(gate.admit(4)).resolves.toBeUndefined();
      advertised.set(2, { min: 1, max: 1 });
      advertised.set(5, { min: 1, max: 1 });
      await expect(gate.admit(5)).resolves.toBeUndefined();
    });

    it('lets in a newcomer that does not answer within 5 s, as before the check: it counts as format 1 meanwhile', async () => {
      const { gate, advertised, clock } = setUp([2]);
      advertised.set(2, own);
      let done = false;
      const admitted = gate.admit(4).then(() => {
        done = true;
      });
      await clock.advance(4_900);
      expect(done).toBe(false);
      await clock.advance(200);
      await admitted;
      expect(done).toBe(true);
    });
  });
});
