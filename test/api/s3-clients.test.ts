// The tools people already use, unchanged, against a real three-node cluster's S3 endpoints
// (issue #17): the AWS CLI, rclone, s3cmd and restic from Debian's packages. Writes go to a follower on
// purpose (they must reach the leader); the node API then sees what S3 wrote and S3 sees what
// the node API wrote. These are the README's "Use it with S3 tools" commands.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolSnippets } from '../../renderer/src/views/overview/tool-snippets';
import { ACCESS_KEY, aws, clientEnv, CLIENTS, missingClients, rclone, run, s3cmd, SECRET_KEY, startS3Cluster, type S3Cluster } from './s3-support';

const missing = missingClients();

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

describe.skipIf(missing.length > 0)(`real S3 clients${missing.length > 0 ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  let s3: S3Cluster;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let viaFollower: string;
  let viaLeader: string;

  beforeAll(async () => {
    s3 = await startS3Cluster();
    viaFollower = s3.s3Url(s3.follower);
    viaLeader = s3.s3Url(s3.leader);
    work = await mkdtemp(path.join(os.tmpdir(), 'dfs-s3-work-'));
    env = await clientEnv();
  });
  afterAll(async () => {
    await s3?.cluster.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('aws: makes a bucket, copies 100 MiB in (multipart) and back out intact, lists it', async () => {
    expect((await aws(viaFollower, ['s3', 'mb', 's3://backups'], env)).stdout).toContain('make_bucket: backups');
    const big = randomBytes(100 * 1024 * 1024);
    await writeFile(path.join(work, 'big.bin'), big);
    const up = await aws(viaFollower, ['s3', 'cp', 'big.bin', 's3://backups/big.bin', '--no-progress'], env, work);
    expect(up.code, up.stderr).toBe(0);

    const head = await aws(viaLeader, ['s3api', 'head-object', '--bucket', 'backups', '--key', 'big.bin'], env);
    const meta = JSON.parse(head.stdout) as { ContentLength: number; ETag: string };
    expect(meta.ContentLength).toBe(big.length);
    // The AWS CLI splits anything over 8 MiB into 8 MiB parts: 13 of them, ETag md5-of-md5s-13.
    const partMd5s = Buffer.concat(Array.from({ length: 13 }, (_, i) => createHash('md5').update(big.subarray(i * 8 * 1024 * 1024, (i + 1) * 8 * 1024 * 1024)).digest()));
    expect(meta.ETag).toBe(`"${md5(partMd5s)}-13"`);

    const down = await aws(viaFollower, ['s3', 'cp', 's3://backups/big.bin', 'big.out', '--no-progress'], env, work);
    expect(down.code, down.stderr).toBe(0);
    expect(md5(await readFile(path.join(work, 'big.out')))).toBe(md5(big));

    const listing = await aws(viaFollower, ['s3', 'ls', 's3://backups/'], env);
    expect(listing.stdout).toMatch(/\s104857600 big\.bin/);
    // The node API sees the same file, with the same content.
    const seed = await fetch(`${s3.follower.url}/fileinfo?name=backups/big.bin&consistency=linearizable`);
    expect(((await seed.json()) as { size: number }).size).toBe(big.length);
  });

  it('aws: syncs a folder, then only what changed, and deletes what went away with --delete', async () => {
    const folder = path.join(work, 'site');
    await mkdir(path.join(folder, 'css'), { recursive: true });
    await writeFile(path.join(folder, 'index.html'), '<h1>hello</h1>');
    await writeFile(path.join(folder, 'css', 'site.css'), 'h1 { color: red }');
    await writeFile(path.join(folder, 'notes é.txt'), 'unicode name');
    const first = await aws(viaFollower, ['s3', 'sync', 'site', 's3://backups/site'], env, work);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.match(/upload:/g)).toHaveLength(3);

    await writeFile(path.join(folder, 'index.html'), '<h1>hello again</h1>');
    await rm(path.join(folder, 'css', 'site.css'));
    const second = await aws(viaFollower, ['s3', 'sync', 'site', 's3://backups/site', '--delete'], env, work);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('upload: site/index.html');
    expect(second.stdout).toContain('delete: s3://backups/site/css/site.css');
    expect(second.stdout).not.toContain('notes é.txt');

    const listing = await aws(viaLeader, ['s3', 'ls', '--recursive', 's3://backups/site/'], env);
    expect(listing.stdout).toContain('site/index.html');
    expect(listing.stdout).toContain('site/notes é.txt');
    expect(listing.stdout).not.toContain('site.css');
  });

  it('rclone: copy, check (hashes compared) and sync', async () => {
    const source = path.join(work, 'photos');
    await mkdir(path.join(source, '2024'), { recursive: true });
    await writeFile(path.join(source, 'a.jpg'), randomBytes(300_000));
    await writeFile(path.join(source, '2024', 'b.jpg'), randomBytes(7 * 1024 * 1024));
    await writeFile(path.join(source, '2024', 'c.txt'), 'text');
    const copy = await rclone(viaFollower, ['copy', source, 'dfs:photos/library'], env);
    expect(copy.code, copy.stderr).toBe(0);

    const check = await rclone(viaLeader, ['check', source, 'dfs:photos/library'], env);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain('0 differences found');
    expect(check.stderr).toContain('3 matching files');
    // rclone compared MD5s, not just sizes: the remote's MD5s are the content's.
    const sums = await rclone(viaLeader, ['md5sum', 'dfs:photos/library'], env);
    expect(sums.stdout).toContain(`${md5(await readFile(path.join(source, '2024', 'b.jpg')))}  2024/b.jpg`);

    await rm(path.join(source, 'a.jpg'));
    await writeFile(path.join(source, '2024', 'c.txt'), 'changed text');
    const sync = await rclone(viaFollower, ['sync', source, 'dfs:photos/library'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const after = await rclone(viaLeader, ['check', source, 'dfs:photos/library'], env);
    expect(after.stderr).toContain('0 differences found');
    const listing = await rclone(viaLeader, ['lsf', '-R', 'dfs:photos/library'], env);
    expect(listing.stdout.split('\n').filter(Boolean).sort()).toEqual(['2024/', '2024/b.jpg', '2024/c.txt']);
  });

  it('s3cmd: put, ls, get and del', async () => {
    expect((await s3cmd(viaFollower, ['mb', 's3://docs'], env)).code).toBe(0);
    await writeFile(path.join(work, 'report.txt'), 'quarterly report');
    const put = await s3cmd(viaFollower, ['put', 'report.txt', 's3://docs/2024/report.txt'], env, work);
    expect(put.code, put.stderr).toBe(0);
    const ls = await s3cmd(viaLeader, ['ls', 's3://docs/2024/'], env);
    expect(ls.stdout).toMatch(/\s16\s+s3:\/\/docs\/2024\/report\.txt/);
    const get = await s3cmd(viaFollower, ['get', '--force', 's3://docs/2024/report.txt', 'report.out'], env, work);
    expect(get.code, get.stderr).toBe(0);
    expect(await readFile(path.join(work, 'report.out'), 'utf8')).toBe('quarterly report');
    const del = await s3cmd(viaFollower, ['del', 's3://docs/2024/report.txt'], env);
    expect(del.code, del.stderr).toBe(0);
    expect((await s3cmd(viaLeader, ['ls', '-r', 's3://docs'], env)).stdout).not.toContain('report.txt');
  });

  it('restic: initialises a repository, backs a folder up, checks every pack and restores it byte for byte', async () => {
    const source = path.join(work, 'home');
    await mkdir(path.join(source, 'notes'), { recursive: true });
    const files: Record<string, Buffer> = { 'photo.raw': randomBytes(6 * 1024 * 1024), 'notes/todo.md': Buffer.from('- back up\n'), 'notes/empty': Buffer.alloc(0) };
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(source, name), data);
    const repo = ['-r', `s3:${viaFollower}/backups/laptop`];
    const restic = (args: string[]) => run(CLIENTS.restic, [...repo, ...args], { ...env, RESTIC_PASSWORD: 'correct horse battery staple', RESTIC_CACHE_DIR: path.join(work, 'restic-cache') });
    for (const step of [['init'], ['backup', source], ['check', '--read-data']]) {
      const result = await restic(step);
      expect(result.code, `restic ${step[0]}: ${result.stderr}`).toBe(0);
    }
    const target = path.join(work, 'restored');
    const restore = await restic(['restore', 'latest', '--target', target]);
    expect(restore.code, restore.stderr).toBe(0);
    for (const [name, data] of Object.entries(files)) expect((await readFile(path.join(target, source, name))).equals(data), name).toBe(true);
  });

  it('a presigned URL works with curl; altered, it is refused', async () => {
    await writeFile(path.join(work, 'shared.txt'), 'shared with a link');
    expect((await aws(viaLeader, ['s3', 'mb', 's3://links'], env)).code).toBe(0);
    expect((await aws(viaLeader, ['s3', 'cp', 'shared.txt', 's3://links/shared.txt'], env, work)).code).toBe(0);
    const presign = await aws(viaFollower, ['s3', 'presign', 's3://links/shared.txt', '--expires-in', '300'], env);
    const url = presign.stdout.trim();
    const curl = (target: string) => run('curl', ['-sS', '-w', '\n%{http_code}', target], env);
    expect((await curl(url)).stdout).toBe('shared with a link\n200');
    const tampered = await curl(url.replace('shared.txt', 'other.txt'));
    expect(tampered.stdout).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(tampered.stdout.endsWith('\n403')).toBe(true);
  });

  it('a wrong secret is refused, and nothing is written', async () => {
    expect((await aws(viaLeader, ['s3', 'mb', 's3://guarded'], env)).code).toBe(0);
    await writeFile(path.join(work, 'intruder.txt'), 'should not land');
    const wrong = { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' };
    const put = await aws(viaFollower, ['s3', 'cp', 'intruder.txt', 's3://guarded/intruder.txt'], wrong, work);
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain('SignatureDoesNotMatch');
    const list = await aws(viaFollower, ['s3', 'ls', 's3://guarded/'], wrong);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('SignatureDoesNotMatch');
    expect((await fetch(`${s3.leader.url}/fileinfo?name=guarded/intruder.txt`)).status).toBe(404);
  });

  it('S3 sees what the node API wrote, under a bucket named like its folder', async () => {
    expect((await fetch(`${s3.leader.url}/files/seeded/readme.txt`, { method: 'PUT', body: 'from the node API' })).status).toBe(201);
    const ls = await aws(viaFollower, ['s3', 'ls', 's3://seeded/'], env);
    expect(ls.stdout).toMatch(/\s17 readme\.txt/);
    const buckets = await aws(viaFollower, ['s3', 'ls'], env);
    expect(buckets.stdout).toContain(' seeded');
    const cat = await aws(viaFollower, ['s3', 'cp', 's3://seeded/readme.txt', '-'], env);
    expect(cat.stdout).toBe('from the node API');
  });

  it("the dashboard's Connect a tool snippets work as shown", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'dfs-s3-snippets-'));
    await mkdir(path.join(home, 'Pictures'));
    await writeFile(path.join(home, 'Pictures', 'cat.jpg'), randomBytes(10_000));
    // Debian's clients first on PATH, as on a machine where they are the only ones.
    const shell = { PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`, HOME: home, LANG: 'C.UTF-8' };
    for (const snippet of toolSnippets(viaFollower, { accessKey: ACCESS_KEY, secretKey: SECRET_KEY })) {
      const result = await run('/bin/bash', ['-euo', 'pipefail', '-c', snippet.text], shell, home);
      expect(result.code, `${snippet.tool}: ${result.stderr}`).toBe(0);
    }
    const listing = await aws(viaLeader, ['s3', 'ls', 's3://photos/'], env);
    expect(listing.stdout).toContain('cat.jpg');
    expect((await aws(viaLeader, ['s3', 'ls'], env)).stdout).toContain('my-backups');
    await rm(home, { recursive: true, force: true });
  });
});
