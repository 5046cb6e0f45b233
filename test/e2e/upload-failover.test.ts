// The dashboard's upload queue through a leader kill, in a real Chromium against web mode with
// three real nodes: files dropped on the window are uploading when the leader is killed from the
// UI; the queue (sampled every 50 ms in the page) says "Waiting for a leader…", never "Failed",
// and every file then lies complete on all three nodes with its SHA-256.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../node-runtime/common/api-types';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { repoRoot, waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { dropFiles } from './support/drop-files';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const screenshots = path.join(repoRoot, 'test-results', 'e2e');

/** Big enough that the uploads are still under way when the kill lands. */
const FILES = ['a', 'b', 'c', 'd', 'e', 'f'].map((fill) => ({ name: `failover-${fill}.bin`, size: 16 * 1024 * 1024, fill }));

let web: WebMode;
let browser: Browser;
let page: Page;

const expectedSha = (file: (typeof FILES)[number]) => createHash('sha256').update(Buffer.alloc(file.size, file.fill)).digest('hex');

async function snapshot(): Promise<ClusterSnapshot> {
  return web.api<ClusterSnapshot>('/api/cluster');
}

/** Records the upload dock's text every 50 ms inside the page, until stopped. */
async function startSampling(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { dockTexts: string[]; dockSampler: number };
    w.dockTexts = [];
    w.dockSampler = window.setInterval(() => w.dockTexts.push((document.querySelector('[aria-label="Uploads"]') as HTMLElement | null)?.innerText ?? ''), 50);
  });
}

async function stopSampling(): Promise<string[]> {
  return page.evaluate(() => {
    const w = window as unknown as { dockTexts: string[]; dockSampler: number };
    window.clearInterval(w.dockSampler);
    return w.dockTexts;
  });
}

describe.skipIf(chromiumPath === null)('upload queue through a leader kill (web mode, three real nodes)', () => {
  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(web.url);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('waits for a leader instead of failing, then every file is complete on all three nodes with its SHA-256', async () => {
    const leader = await waitFor('a healthy cluster', async () => {
      const s = await snapshot();
      return s.health === 'healthy' && s.leaderId !== null ? s.leaderId : undefined;
    }, 60_000);
    // On Overview, where the kill button is: the upload dock is under every view.
    await page.getByRole('tab', { name: 'Overview' }).click();
    await startSampling();
    await dropFiles(page, FILES);
    // Six files fold the queue to its summary line: unfold it to see each row.
    await page.getByRole('button', { name: 'Uploads', exact: true }).click();
    const queue = page.getByRole('list', { name: 'Upload queue' });
    await expect.poll(async () => queue.getByRole('progressbar').evaluateAll((bars) => bars.some((b) => Number(b.getAttribute('aria-valuenow')) > 0)), { timeout: 30_000, interval: 20 }).toBe(true);
    await page.getByRole('button', { name: `Kill node ${leader}` }).click();
    const killedAt = Date.now();
    await expect.poll(() => queue.getByText('Done', { exact: true }).count(), { timeout: 90_000, interval: 200 }).toBe(FILES.length);
    const texts = await stopSampling();
    await page.screenshot({ path: path.join(screenshots, 'upload-failover-done.png'), fullPage: true });
    const waited = texts.filter((t) => t.includes('Waiting for a leader…'));
    expect(waited.length, 'samples showing "Waiting for a leader…"').toBeGreaterThan(0);
    expect(texts.filter((t) => /Failed|failed/.test(t))).toEqual([]);
    console.info(`leader ${leader} killed; ${waited.length} samples of 50 ms showed "Waiting for a leader…"; all done ${Date.now() - killedAt} ms after the kill`);

    // The killed node comes back (the supervisor restarts it) and catches up: every file, every node.
    await waitFor('every node running and the cluster healthy', async () => {
      const s = await snapshot();
      return s.health === 'healthy' && s.nodes.every((n) => n.process?.state === 'running');
    }, 60_000);
    for (const file of FILES) {
      for (const id of [1, 2, 3]) {
        const info = await waitFor(`${file.name} complete on node ${id}`, async () => {
          const found = await web.api<FileInfo>(`/api/fileinfo?name=${encodeURIComponent(file.name)}&node=${id}`).catch(() => null);
          return found !== null && found.replicas?.every((r) => r.missing !== null && r.missing.length === 0) ? found : undefined;
        }, 60_000);
        expect(info.sha256, `${file.name} on node ${id}`).toBe(expectedSha(file));
        expect(info.size).toBe(file.size);
        const body = await fetch(new URL(`/api/files/${encodeURIComponent(file.name)}?node=${id}`, web.origin), { headers: { authorization: `Bearer ${web.token}` } });
        expect(body.status).toBe(200);
        expect(createHash('sha256').update(Buffer.from(await body.arrayBuffer())).digest('hex'), `${file.name} read from node ${id}`).toBe(expectedSha(file));
      }
    }
  });
});
