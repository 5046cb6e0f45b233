// A node's snapshot, sent with its contents streamed (node/snapshot-contents.ts): the follower's
// pack receives every content the leader's format-5 snapshot names, and the snapshot restored on
// it is the leader's state, byte for byte. Real packs on disk, real state machines.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PutCommand } from '../../../node-runtime/fsm/commands';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { packSnapshotContents } from '../../../node-runtime/node/snapshot-contents';
import { ContentPack } from '../../../node-runtime/storage/content-pack';
import { Driver } from '../fsm/builders';
import { useTempDirs } from '../storage/temp-dir';

const tempDir = useTempDirs();
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function inlinePut(name: string, bytes: Buffer, at: number): PutCommand {
  return { type: 'put', name, size: bytes.length, sha256: sha(bytes), chunks: [], inline: bytes.toString('base64'), at };
}

async function openPack(name: string): Promise<ContentPack> {
  return ContentPack.open(path.join(await tempDir(), name)).pack;
}

describe('packSnapshotContents', () => {
  it('sends every content a snapshot names, read from the pack; a follower receiving them restores the same state', async () => {
    const leaderPack = await openPack('leader');
    const leader = new Driver(new StateMachine(undefined, leaderPack));
    const contents = Array.from({ length: 2500 }, (_, i) => randomBytes(20 + (i % 300)));
    contents.forEach((c, i) => leader.ok(inlinePut(`dir/f${i}.bin`, c, i + 1)));
    leader.ok({ type: 'delete', name: 'dir/f7.bin', at: 3000 });
    const named = Buffer.concat([...leader.machine.snapshotPieces()]);
    expect(named[0]).toBe(5);

    const followerPack = await openPack('follower');
    const sending = packSnapshotContents(leaderPack);
    const receiving = packSnapshotContents(followerPack);
    let sent = 0;
    for await (const { sha256, bytes } of sending.named(named)) {
      expect(sha(bytes)).toBe(sha256);
      receiving.receive(sha256, bytes);
      sent += 1;
    }
    expect(sent).toBe(new Set(contents.filter((_, i) => i !== 7).map(sha)).size);
    await receiving.sync();
    const follower = new StateMachine(undefined, followerPack);
    follower.restore(named);
    expect(Buffer.from(follower.snapshot()).equals(Buffer.from(leader.machine.snapshot()))).toBe(true);
    expect(Buffer.from(follower.inlineContent(sha(contents[99] as Buffer)) ?? [])).toEqual(contents[99]);
    // What an older release takes instead: the same snapshot with the bytes inside (format 4).
    expect(Buffer.from(await sending.withBytes(named)).equals(Buffer.from(leader.machine.snapshot()))).toBe(true);
    leaderPack.close();
    followerPack.close();
  });

  it('refuses to send bytes damaged in the pack', async () => {
    const pack = await openPack('damaged');
    const machine = new Driver(new StateMachine(undefined, pack));
    const bytes = randomBytes(100);
    machine.ok(inlinePut('a.bin', bytes, 1));
    const named = Buffer.concat([...machine.machine.snapshotPieces()]);
    pack.replace(sha(bytes), randomBytes(100)); // what a flipped byte on disk would read as
    const read = async () => {
      for await (const record of packSnapshotContents(pack).named(named)) void record;
    };
    await expect(read()).rejects.toThrow(/SHA-256|not in the pack/);
    pack.close();
  });
});
