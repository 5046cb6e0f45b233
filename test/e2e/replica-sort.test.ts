// Issue #14, "sort by Replicas over the whole folder", in a real Chromium against web mode with
// three real nodes: among 240 files, one whose chunk was deleted from one node's disk sorts first
// by Replicas though it is named to sort last and was never scrolled into view. Its details are
// kept from the page (their requests fail), so its place can come only from the listing's replica
// summary (`GET /files?replicas=1`), not from the details read for rows in view.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, RecoveryStatus } from '../../node-runtime/common/api-types';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const SMALL_FILES = 240;
const UNDER = 'zz-under-replicated.bin';
const WHOLE = 'big-whole.bin';

let web: WebMode;
let browser: Browser;
let page: Page;

const upload = (name: string, body: string) => web.api<FileInfo>(`/api/files/${encodeURIComponent(name)}`, { method: 'PUT', body });

/** The accessible names of the table's body rows in the page, top to bottom. */
async function rowNames(): Promise<(string | null)[]> {
  const rows = page.getByRole('table', { name: 'Files' }).getByRole('row');
  return (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).slice(1);
}

describe.skipIf(chromiumPath === null)('sort by Replicas over every row (Chromium, web mode, three real nodes)', () => {
  beforeAll(async () => {
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(web.url);
    await waitFor('the dashboard to show a leader', async () => (await page.getByRole('group', { name: 'Cluster status' }).innerText()).includes('Leader: node'), 30_000);
    const names = Array.from({ length: SMALL_FILES }, (_, i) => `file-${String(i).padStart(3, '0')}.txt`);
    for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map((name) => upload(name, `small file ${name}`)));
    await upload(WHOLE, '1'.repeat(300_000));
    const under = await upload(UNDER, '2'.repeat(300_000));
    // Every node holds the file's chunks before one copy goes: a write is acknowledged at a majority.
    const hash = under.chunks.at(-1)?.hash as string;
    const copies = await waitFor('three copies of the chunk on disk', async () => {
      const found = (await readdir(web.dataDir, { recursive: true })).filter((p) => p.endsWith(path.join('chunks', hash.slice(0, 2), hash)));
      return found.length === 3 ? found : undefined;
    }, 30_000);
    // Catch-up checks every applied file's chunks, and a scrub pass looks for missing ones at its
    // end: a chunk deleted before either is done would be fetched back. Wait until both are.
    const { nodes } = await web.api<ClusterSnapshot>('/api/cluster');
    await waitFor('catch-up to have checked every chunk on every node', async () => {
      const statuses = await Promise.all(nodes.map(async (n) => (await (await fetch(`${n.httpUrl}/recovery/status`)).json()) as RecoveryStatus));
      return statuses.every((s) => s.chunksMissing === 0 && !s.scrub.running);
    }, 60_000);
    await rm(path.join(web.dataDir, copies[0] as string));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('puts the file short of a copy first, without its details and without scrolling to it', async () => {
    const detailsAsked: string[] = [];
    await page.route(/\/api\/fileinfo\?/, (route) => {
      const name = new URL(route.request().url()).searchParams.get('name') ?? '';
      detailsAsked.push(name);
      return name === UNDER ? route.abort() : route.continue();
    });
    await page.getByRole('tab', { name: 'Files' }).click();
    await expect.poll(async () => (await rowNames())[0], { timeout: 15_000 }).toBe('big-whole.bin');
    // Sorted by name the file is last, far below the rows in the page.
    expect(await rowNames()).not.toContain(UNDER);
    expect(detailsAsked).not.toContain(UNDER);

    await page.getByRole('button', { name: /^Replicas/ }).click();
    await expect.poll(async () => (await rowNames())[0], { timeout: 30_000 }).toBe(UNDER);
    expect(await page.getByRole('columnheader', { name: /Replicas/ }).getAttribute('aria-sort')).toBe('ascending');
    // Its details never arrived (asked for only once it was in view, and refused): the listing placed it.
    await expect.poll(() => detailsAsked.includes(UNDER), { timeout: 10_000 }).toBe(true);
    const names = await rowNames();
    expect(names.slice(1)).toContain(WHOLE);
    expect(names.length).toBeLessThan(60);
  });
});
