// The Files view in a real Chromium against web mode with three real nodes: folders and the
// breadcrumb, sorting, the details drawer with the SHA-256 and the replica map, a name search
// across every folder, bulk download as one zip (read back with unzip), bulk delete, a chosen folder
// uploaded with its structure.
// Screenshots land in test-results/e2e/.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../node-runtime/common/api-types';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { FIRST_INLINE_FORMAT } from '../../node-runtime/fsm';
import { repoRoot, waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const screenshots = path.join(repoRoot, 'test-results', 'e2e');

let web: WebMode;
let browser: Browser;
let page: Page;

const FILES: Record<string, string> = {
  'docs/readme.txt': 'Hello from the file browser test.\nSecond line.\n',
  'docs/sub/deep.txt': 'deep',
  'small.bin': 'x'.repeat(10),
  'large.bin': 'y'.repeat(300_000),
  'medium.bin': 'z'.repeat(40_000),
  'trash/one.txt': '1',
  'trash/two.txt': '2',
  'trash/keep.txt': 'keep',
};

async function upload(name: string, body: string): Promise<void> {
  await web.api(`/api/files/${encodeURIComponent(name)}`, { method: 'PUT', body });
}

async function leaderWritesInline(): Promise<boolean> {
  const cluster = await web.api<ClusterSnapshot>('/api/cluster');
  const leader = cluster.nodes.find((n) => n.id === cluster.leaderId);
  if (leader === undefined) return false;
  const status = (await (await fetch(`${leader.httpUrl}/status`, { signal: AbortSignal.timeout(2_000) })).json()) as NodeStatus;
  return (status.commandFormats?.writes ?? 0) >= FIRST_INLINE_FORMAT;
}

/** The accessible names of the table's body rows, top to bottom. */
async function rowNames(): Promise<(string | null)[]> {
  const rows = page.getByRole('table', { name: 'Files' }).getByRole('row');
  const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  return names.slice(1);
}

describe.skipIf(chromiumPath === null)('file browser in Chromium (web mode, three real nodes)', () => {
  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(web.url);
    await waitFor('the dashboard to show a leader', async () => (await page.getByRole('group', { name: 'Cluster status' }).innerText()).includes('Leader: node'), 30_000);
    // Small files travel inline only once the leader has heard every member say it applies the
    // inline command format (a member not heard from yet counts as an older release): until then
    // they are stored as chunks, and the details test below expects one stored inline.
    await waitFor('the leader to write a command format with inline files', leaderWritesInline, 30_000);
    for (const [name, body] of Object.entries(FILES)) await upload(name, body);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('lists folders first, sorts by size, and steps into a folder and back through the breadcrumb', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    await expect.poll(rowNames, { timeout: 15_000 }).toEqual(['Folder docs/', 'Folder trash/', 'large.bin', 'medium.bin', 'small.bin']);
    await page.getByRole('button', { name: 'Size', exact: true }).click();
    await expect.poll(rowNames).toEqual(['Folder docs/', 'Folder trash/', 'large.bin', 'medium.bin', 'small.bin']);
    await page.getByRole('button', { name: 'Size', exact: true }).click();
    await expect.poll(rowNames).toEqual(['Folder docs/', 'Folder trash/', 'small.bin', 'medium.bin', 'large.bin']);
    // Lock: a locked file first, whatever its name; released again for the tests below.
    const lockPath = `/api/locks/${encodeURIComponent('medium.bin')}`;
    const json = { 'content-type': 'application/json' };
    const { token } = await web.api<{ token: string }>(lockPath, { method: 'POST', body: JSON.stringify({ owner: 'alice' }), headers: json });
    try {
      await page.getByRole('button', { name: 'Refresh', exact: true }).click();
      await page.getByRole('button', { name: /^Lock/ }).click();
      await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['Folder docs/', 'Folder trash/', 'medium.bin', 'large.bin', 'small.bin']);
    } finally {
      await web.api(lockPath, { method: 'DELETE', body: JSON.stringify({ token }), headers: { ...json, 'X-Lock-Token': token } });
    }
    await page.getByRole('button', { name: 'Name', exact: true }).click();

    await page.getByRole('button', { name: 'Open folder docs' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['Folder docs/sub/', 'docs/readme.txt']);
    await page.getByRole('button', { name: 'Open folder sub' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['docs/sub/deep.txt']);
    const crumbs = page.getByRole('navigation', { name: 'Folder' });
    expect(await crumbs.getByRole('button', { name: 'sub' }).getAttribute('aria-current')).toBe('location');
    await crumbs.getByRole('button', { name: 'docs' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['Folder docs/sub/', 'docs/readme.txt']);
  });

  it('opens a file’s details on a click: its SHA-256, every node holding it (a small file, inline), a text preview', async () => {
    await page.getByRole('button', { name: 'Details of docs/readme.txt' }).click();
    const drawer = page.getByRole('dialog', { name: 'Details of docs/readme.txt' });
    const expected = createHash('sha256').update(FILES['docs/readme.txt'] as string).digest('hex');
    await expect.poll(() => drawer.getByLabel('SHA-256', { exact: true }).innerText(), { timeout: 10_000 }).toBe(expected);
    const map = drawer.getByRole('table', { name: 'Replicas by node and chunk' });
    await expect
      .poll(async () => map.getByRole('row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label'))), { timeout: 15_000 })
      .toEqual([1, 2, 3].map((id) => `Node ${id}: stored inline with its record (a small file, no chunks)`));
    await expect.poll(() => drawer.getByLabel('Start of docs/readme.txt').innerText(), { timeout: 10_000 }).toContain('Hello from the file browser test.');
    expect(await drawer.getByText(/^curl -fo 'readme\.txt' 'http:\/\/127\.0\.0\.1:\d+\/download\?name=docs%2Freadme\.txt'$/).count()).toBe(1);
    expect(await drawer.getByText('v1', { exact: true }).count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'files-details-drawer-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(screenshots, 'files-details-drawer-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('searches every folder from inside one: each hit with its folder, a click opens its details', async () => {
    // Open in docs/sub/, which holds none of the hits.
    await page.getByRole('button', { name: 'Open folder sub' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['docs/sub/deep.txt']);
    await page.getByLabel('Search all folders by file name').fill('E.T');
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['trash/one.txt', 'docs/readme.txt']);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'found' }).innerText()).toBe('2 files found in all folders');
    expect(await page.getByRole('row', { name: 'docs/readme.txt' }).getByText('in docs/').count()).toBe(1);
    await page.screenshot({ path: path.join(screenshots, 'files-search.png') });
    await page.getByRole('button', { name: 'Details of trash/one.txt' }).click();
    const drawer = page.getByRole('dialog', { name: 'Details of trash/one.txt' });
    const expected = createHash('sha256').update(FILES['trash/one.txt'] as string).digest('hex');
    await expect.poll(() => drawer.getByLabel('SHA-256', { exact: true }).innerText(), { timeout: 10_000 }).toBe(expected);
    await page.keyboard.press('Escape');
    await page.getByLabel('Search all folders by file name').fill('');
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['docs/sub/deep.txt']);
  });

  it('downloads several files and a folder as one zip, every entry byte for byte under its path', async () => {
    await page.getByRole('navigation', { name: 'Folder' }).getByRole('button', { name: 'All files' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['Folder docs/', 'Folder trash/', 'large.bin', 'medium.bin', 'small.bin']);
    await page.getByRole('checkbox', { name: 'Select small.bin' }).check();
    await page.getByRole('checkbox', { name: 'Select medium.bin' }).check();
    await page.getByRole('checkbox', { name: 'Select folder docs/' }).check();
    const bar = page.getByRole('region', { name: 'Selection' });
    expect(await bar.getByText('2 files and 1 folder selected').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), bar.getByRole('button', { name: 'Download as zip' }).click()]);
    expect(download.suggestedFilename()).toBe('dfs-files.zip');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-e2e-zip-'));
    try {
      const zip = path.join(dir, 'dfs-files.zip');
      await download.saveAs(zip);
      expect(await download.failure()).toBeNull();
      await promisify(execFile)('unzip', ['-q', zip, '-d', path.join(dir, 'out')]);
      const entries = (await readdir(path.join(dir, 'out'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      const found = entries.map((e) => path.relative(path.join(dir, 'out'), path.join(e.parentPath, e.name))).sort();
      expect(found).toEqual(['docs/readme.txt', 'docs/sub/deep.txt', 'medium.bin', 'small.bin']);
      for (const name of found) expect(await readFile(path.join(dir, 'out', name), 'utf8'), name).toBe(FILES[name]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await page.screenshot({ path: path.join(screenshots, 'files-selection.png') });
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    expect(await page.getByRole('region', { name: 'Selection' }).count()).toBe(0);
  });

  it('deletes a multi-selection after one confirmation, leaving the rest', async () => {
    await page.getByRole('navigation', { name: 'Folder' }).getByRole('button', { name: 'All files' }).click();
    await page.getByRole('button', { name: 'Open folder trash' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['trash/keep.txt', 'trash/one.txt', 'trash/two.txt']);
    await page.getByRole('checkbox', { name: 'Select trash/one.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select trash/two.txt' }).check();
    const bar = page.getByRole('region', { name: 'Selection' });
    await bar.getByRole('button', { name: 'Delete 2 selected files' }).click();
    await bar.getByRole('button', { name: 'Confirm delete 2 selected files' }).click();
    await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['trash/keep.txt']);
    const left = await web.api<{ items: { name: string }[] }>('/api/files?prefix=trash/');
    expect(left.items.map((i) => i.name)).toEqual(['trash/keep.txt']);
  });

  it('previews an image in the details drawer, decoded by the browser from the cluster’s bytes', async () => {
    // A 2×1 PNG: one red pixel, one blue.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4zwAE/wEHAAH/4iOeWQAAAABJRU5ErkJggg==', 'base64');
    await web.api(`/api/files/${encodeURIComponent('pics/dot.png')}`, { method: 'PUT', body: new Uint8Array(png) });
    await page.getByRole('navigation', { name: 'Folder' }).getByRole('button', { name: 'All files' }).click();
    await page.getByRole('button', { name: 'Open folder pics' }).click();
    await page.getByRole('button', { name: 'Details of pics/dot.png' }).click();
    const image = page.getByRole('dialog', { name: 'Details of pics/dot.png' }).getByRole('img', { name: 'Preview of pics/dot.png' });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? `${img.naturalWidth}×${img.naturalHeight}` : 'loading')), { timeout: 10_000 }).toBe('2×1');
    await page.keyboard.press('Escape');
  });

  it('uploads a chosen folder with its structure: every file under its path below the folder', async () => {
    const local = await mkdtemp(path.join(os.tmpdir(), 'dfs-folder-'));
    try {
      const album = path.join(local, 'album');
      await mkdir(path.join(album, 'sub'), { recursive: true });
      await writeFile(path.join(album, 'cover.txt'), 'the cover');
      await writeFile(path.join(album, 'sub', 'track.txt'), 'track one');
      await page.getByRole('navigation', { name: 'Folder' }).getByRole('button', { name: 'All files' }).click();
      await page.getByLabel('Folder to upload').setInputFiles(album);
      await page.getByRole('button', { name: 'Open folder album' }).waitFor({ timeout: 30_000 });
      const listed = await waitFor('both files of the folder in the cluster', async () => {
        const { items } = await web.api<{ items: { name: string }[] }>('/api/files?prefix=album/');
        return items.length === 2 ? items.map((i) => i.name) : undefined;
      }, 30_000);
      expect(listed).toEqual(['album/cover.txt', 'album/sub/track.txt']);
      expect(await (await fetch(`${web.origin}/api/files/${encodeURIComponent('album/sub/track.txt')}`, { headers: { authorization: `Bearer ${web.token}` } })).text()).toBe('track one');
      await page.getByRole('button', { name: 'Open folder album' }).click();
      await expect.poll(rowNames, { timeout: 10_000 }).toEqual(['Folder album/sub/', 'album/cover.txt']);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});
