// Compare-and-set over HTTP: `?expectedVersion=` compares the file's write counter, which a delete
// and re-create starts again at 1; `?expectedRevision=` compares the log index of the write that
// made the content, which never repeats. A refused write is a 409 and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../node-runtime/common/api-types';
import { json, startWithLeader, type TestCluster, type TestNode } from '../cluster/harness';

let cluster: TestCluster;
let leader: TestNode;
let follower: TestNode;

beforeAll(async () => {
  ({ cluster, leader, follower } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

const put = (node: TestNode, name: string, body: string, query = '') => json<FileInfo & { error?: string; detail?: string }>(`${node.url}/files/${name}${query}`, { method: 'PUT', body });
const content = async (name: string) => (await fetch(`${leader.url}/download?name=${name}`)).text();

describe('compare-and-set', () => {
  it('refuses a stale revision after a delete and re-create, where the version alone would be fooled', async () => {
    const first = await put(follower, 'cas.txt', 'one');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1 });
    const seen = first.body.revision;
    expect(seen).toBeGreaterThan(0);

    expect((await json(`${leader.url}/files/cas.txt`, { method: 'DELETE' })).status).toBe(200);
    const again = await put(leader, 'cas.txt', 'two');
    expect(again.body).toMatchObject({ version: 1 });
    expect(again.body.revision).toBeGreaterThan(seen);

    const stale = await put(follower, 'cas.txt', 'lost update', `?expectedRevision=${seen}`);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'conflict', detail: `file "cas.txt" is at revision ${again.body.revision}, not ${seen}` });
    expect(await content('cas.txt')).toBe('two');

    const current = await put(follower, 'cas.txt', 'three', `?expectedRevision=${again.body.revision}`);
    expect(current.status).toBe(201);
    expect(current.body).toMatchObject({ version: 2 });
    expect(await content('cas.txt')).toBe('three');
  });

  it('treats revision 0 as "only if it does not exist yet", and refuses a malformed one without writing', async () => {
    expect((await put(leader, 'cas-new.txt', 'x', '?expectedRevision=0')).status).toBe(201);
    const twice = await put(leader, 'cas-new.txt', 'y', '?expectedRevision=0');
    expect(twice.status).toBe(409);
    const bad = await put(leader, 'cas-bad.txt', 'z', '?expectedRevision=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect((await json(`${leader.url}/fileinfo?name=cas-bad.txt`)).status).toBe(404);
  });
});
