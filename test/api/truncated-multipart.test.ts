// Issue #15, item 1: a multipart upload cut off before its closing boundary used to end the
// leader's process (an 'error' on busboy's file stream nobody listened to), and a follower
// forwarding one killed the leader too. Each must answer 4xx JSON, keep every node serving,
// write nothing, and leave the cluster able to take the next upload.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startWithLeader, type TestCluster, type TestNode, waitFor } from '../cluster/harness';
import { chunkCount } from './stored';

let cluster: TestCluster;
let leader: TestNode;

beforeAll(async () => {
  ({ cluster, leader } = await startWithLeader());
});
afterAll(async () => {
  await cluster?.stop();
});

function truncatedUpload(node: TestNode, body: string): Promise<{ status: number; body: { error: string; detail: string } }> {
  return json(`${node.url}/upload`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XB' },
    body,
  });
}

function allAlive(): void {
  for (const node of cluster.nodes) expect(node.process?.exitCode, `node ${node.id} exited`).toBeNull();
}

// The exact body, and variants that end at other points of the form.
const truncatedBodies: Array<[string, string]> = [
  ['the issue\'s body (file part without an end)', '--XB\r\nContent-Disposition: form-data; name="file"; filename="t"\r\n\r\npartial'],
  ['a body ending inside the part headers', '--XB\r\nContent-Disposition: form-data; name="file"; filen'],
  ['a file part under another field name, cut off', '--XB\r\nContent-Disposition: form-data; name="other"; filename="t"\r\n\r\npartial'],
  ['a file part with an invalid name, cut off', '--XB\r\nContent-Disposition: form-data; name="file"; filename="../x"\r\n\r\npartial'],
  ['a field then nothing', '--XB\r\nContent-Disposition: form-data; name="name"\r\n\r\nt.txt'],
];

describe('a truncated multipart upload', () => {
  it.each(truncatedBodies)('%s: 400 JSON on the leader and on each follower, every node stays up', async (_what, body) => {
    for (const node of [leader, ...cluster.followers(leader)]) {
      const res = await truncatedUpload(node, body);
      expect(res.status, `node ${node.id}`).toBe(400);
      expect(res.body.error).toBe('bad_request');
      expect(res.body.detail).not.toMatch(/ at .*\(|node_modules/);
      allAlive();
    }
    await Promise.all(cluster.nodes.map((n) => cluster.waitLive(n, 2_000)));
  });

  it('a client that hangs up mid-body leaves every node up', async () => {
    for (const node of [leader, ...cluster.followers(leader)]) {
      const socket = net.connect(node.httpPort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const part = '--XB\r\nContent-Disposition: form-data; name="file"; filename="gone.txt"\r\n\r\nsome bytes';
      socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XB\r\nContent-Length: 100000\r\n\r\n${part}`);
      await new Promise((resolve) => setImmediate(resolve));
      socket.destroy();
      await cluster.waitLive(node, 2_000);
      allAlive();
    }
  });

  it('wrote nothing', async () => {
    const files = await json<{ items: unknown[] }>(`${leader.url}/files`);
    expect(files.body.items).toEqual([]);
    for (const node of cluster.nodes) expect(await chunkCount(node)).toBe(0);
  });

  it('leaves the cluster taking a normal upload on the same leader', async () => {
    expect((await cluster.waitForLeader()).id).toBe(leader.id);
    const form = new FormData();
    form.append('file', new Blob(['whole']), 'after.txt');
    const res = await json<{ name: string; size: number }>(`${cluster.followers(leader)[0]?.url}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'after.txt', size: 5 });
    for (const node of cluster.nodes) {
      await waitFor(`after.txt on node ${node.id}`, async () => (await fetch(`${node.url}/files/after.txt`)).status === 200);
    }
    allAlive();
  });
});
