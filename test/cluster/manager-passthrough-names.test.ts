// Issue #15, item 6: the manager's file and lock passthrough checked no names, so "..%2F" segments
// turned a lock route into an upload and a file delete into a membership change on the node. Names
// are now validated (the validator every node uses) before a node URL is built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReachableManager } from '../fixtures/manager/helpers';

let base: string;
let auth: Record<string, string>;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ base, auth, stop } = await startReachableManager());
});
afterAll(() => stop?.());

const escapes: Array<[string, string]> = [
  ['POST', '/api/locks/..%2Fupload%2Fx'],
  ['PUT', '/api/locks/a%2F..%2F..%2Fconfig'],
  ['DELETE', '/api/locks/%2E%2E%2Fupload%2Fx'],
  ['DELETE', '/api/files/..%2Fcluster%2Fmembers%2F2'],
  ['PUT', '/api/files/..%2Fupload%2Fx'],
  ['GET', '/api/files/..%2Fstatus'],
  ['PUT', '/api/files/.%2Fx'],
  ['PUT', '/api/files/a%2F%2Fb'],
  ['PUT', '/api/files/%2Fabsolute'],
  ['PUT', '/api/files/a%5Cb'],
  ['PUT', '/api/files/cluster%2Fmembers'],
  ['PUT', '/api/files/bad%00name'],
];

describe('manager passthrough names', () => {
  it.each(escapes)('%s %s → 400 name_invalid from the manager itself', async (method, route) => {
    const res = await fetch(`${base}${route}`, { method, headers: auth, ...(method === 'GET' || method === 'DELETE' ? {} : { body: 'x' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'name_invalid' });
  });

  it('malformed percent-encoding → 400 bad_request', async () => {
    const res = await fetch(`${base}/api/files/%ff`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request' });
  });

  it('a valid nested name still passes through', async () => {
    const res = await fetch(`${base}/api/files/docs%2Fa%20b.txt`, { method: 'PUT', headers: auth, body: 'hello' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'docs/a b.txt', size: 5 });
  });
});
