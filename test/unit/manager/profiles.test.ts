import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../../electron/manager/clusters/profiles';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-profiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nodes = [
  { id: 1, httpUrl: 'http://10.0.0.1:8081' },
  { id: 2, httpUrl: 'https://10.0.0.2:8081' },
];

describe('ProfileStore', () => {
  it('starts with the built-in local profile active', async () => {
    expect(await new ProfileStore(dir).list()).toEqual({ active: 'local', profiles: [{ name: 'local', kind: 'local', nodes: [], hasSecret: true }] });
  });

  it('saves attach profiles, keeping a secret in its own 0600 file and out of listings', async () => {
    const store = new ProfileStore(dir);
    await store.save('lab', { nodes, secret: 'hunter2' });
    const secretFile = path.join(dir, 'profiles', 'lab.secret');
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dir, 'profiles.json'), 'utf8')).not.toContain('hunter2');
    expect(await store.attachProfile('lab')).toEqual({ name: 'lab', nodes, secret: 'hunter2', token: null, ca: null });
    const listed = await new ProfileStore(dir).list();
    expect(listed.profiles[1]).toEqual({ name: 'lab', kind: 'attach', nodes, hasSecret: true, hasToken: false, hasCa: false });
    expect(JSON.stringify(listed)).not.toContain('hunter2');
  });

  it('keeps a client token in its own 0600 file and a CA beside it, out of listings', async () => {
    const store = new ProfileStore(dir);
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await store.save('lab', { nodes, token: 'tok-123', ca });
    expect((await stat(path.join(dir, 'profiles', 'lab.token'))).mode & 0o777).toBe(0o600);
    expect(await store.attachProfile('lab')).toMatchObject({ token: 'tok-123', ca });
    const listed = await store.list();
    expect(listed.profiles[1]).toMatchObject({ hasToken: true, hasCa: true });
    expect(JSON.stringify(listed)).not.toContain('tok-123');
    // Re-pointed at other nodes without entering it again, the token is dropped like the secret.
    await store.save('lab', { nodes: [{ id: 1, httpUrl: 'http://evil.example:8081' }] });
    expect((await store.attachProfile('lab')).token).toBeNull();
    await expect(store.save('lab', { nodes, token: 'two words' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.save('lab', { nodes, ca: 'not pem' })).rejects.toMatchObject({ code: 'bad_request' });
    await store.remove('lab');
    expect(await store.list()).toMatchObject({ profiles: [{ name: 'local' }] });
  });

  it('drops the secret when the profile is re-pointed at other nodes without entering it again', async () => {
    const store = new ProfileStore(dir);
    await store.save('lab', { nodes, secret: 'hunter2' });
    await store.save('lab', { nodes: [...nodes].reverse() });
    expect((await store.attachProfile('lab')).secret).toBe('hunter2');
    await store.save('lab', { nodes: [nodes[0] as (typeof nodes)[0], { id: 2, httpUrl: 'http://evil.example:8081' }] });
    expect((await store.attachProfile('lab')).secret).toBeNull();
    expect((await store.list()).profiles[1]).toMatchObject({ name: 'lab', hasSecret: false });
    await store.save('lab', { nodes: [{ id: 1, httpUrl: 'http://10.0.0.9:8081' }], secret: 'new-one' });
    expect((await store.attachProfile('lab')).secret).toBe('new-one');
  });

  it('rejects bad names and bad node lists with 400', async () => {
    const store = new ProfileStore(dir);
    await expect(store.save('local', { nodes })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.save('../etc', { nodes })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.save('lab', { nodes: [] })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.save('lab', { nodes: [nodes[0], { ...nodes[1], id: 1 }] })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.save('lab', { nodes: [{ id: 1, httpUrl: 'file:///etc/passwd' }] })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('switches the active profile and refuses to delete it while in use', async () => {
    const store = new ProfileStore(dir);
    await store.save('lab', { nodes });
    await store.setActive('lab');
    expect(await store.active()).toBe('lab');
    await expect(store.remove('lab')).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.setActive('nope')).rejects.toMatchObject({ code: 'not_found' });
    await store.setActive('local');
    await store.remove('lab');
    expect((await store.list()).profiles.map((p) => p.name)).toEqual(['local']);
  });
});
