// The dashboard in a real Chromium, against web mode with three real nodes: what a user sees and
// does — the cluster, a drag-and-drop upload, killing the leader, a config edit, a quota error.
// Each test leaves a screenshot in test-results/e2e/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../node-runtime/common/manager-api';
import { repoRoot, waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { dropFiles } from './support/drop-files';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const screenshots = path.join(repoRoot, 'test-results', 'e2e');

let web: WebMode;
let browser: Browser;
let page: Page;

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

async function leaderId(): Promise<number | null> {
  return (await web.api<ClusterSnapshot>('/api/cluster')).leaderId;
}

describe.skipIf(chromiumPath === null)('dashboard in Chromium (web mode, three real nodes)', () => {
  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Web mode sends the desktop window's Content-Security-Policy; record anything it blocks.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(web.url);
  });

  afterEach(async (context) => {
    // A failure against three real processes is read from what they said: printed with the test's result.
    if (context.task.result?.state === 'fail') console.error(`${context.task.name} failed:\n${await web.diagnose()}`);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('shows three nodes and exactly one leader', async () => {
    for (const id of [1, 2, 3]) await expect.poll(() => page.getByRole('region', { name: `Node ${id}` }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('section[aria-label^="Node "]').filter({ hasText: /^Node \d+\s*Leader/ }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await page.getByRole('group', { name: 'Cluster status' }).innerText()).includes('Leader: node'), { timeout: 30_000 }).toBe(true);
    await screenshot('overview-three-nodes');
  });

  it('shows each node\'s S3 endpoint and copyable commands to connect a tool to it', async () => {
    const card = page.getByRole('region', { name: 'Node 1' });
    await expect.poll(async () => /Ports\s*API \d+ · peer \d+ · S3 \d+/.test(await card.innerText()), { timeout: 30_000 }).toBe(true);
    const panel = page.getByRole('region', { name: 'Connect a tool' });
    await expect.poll(async () => (await panel.count()) === 1 && (await panel.innerText()).includes('rclone config create dfs s3 provider=Other access_key_id='), { timeout: 30_000 }).toBe(true);
    const text = await panel.innerText();
    for (const tool of ['rclone', 'aws', 's3cmd']) expect(await panel.getByRole('button', { name: `Copy the ${tool} commands` }).count()).toBe(1);
    expect(text).toMatch(/aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 ls/);
    await screenshot('overview-connect-a-tool');
  });

  it('uploads a file dropped on the window with visible progress, then shows it complete on all three nodes', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    await dropFiles(page, [{ name: 'dropped.bin', size: 8 * 1024 * 1024, fill: 'd' }]);
    const progress = page.getByRole('progressbar', { name: 'Upload dropped.bin' });
    await expect.poll(() => progress.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBe(100);
    await expect.poll(() => page.getByRole('row', { name: 'dropped.bin' }).count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(() => page.getByRole('row', { name: 'dropped.bin' }).getByRole('img', { name: /Complete on 3 of 3 nodes/ }).count(), { timeout: 30_000 })
      .toBe(1);
    await screenshot('files-dropped-upload');
  });

  it('shows a new leader within 5 s of killing the leader from the UI', async () => {
    await page.getByRole('tab', { name: 'Overview' }).click();
    const before = await waitFor('a leader', leaderId);
    await page.getByRole('button', { name: `Kill node ${before}` }).click();
    const killedAt = Date.now();
    await expect
      .poll(async () => {
        const text = await page.getByRole('group', { name: 'Cluster status' }).innerText();
        const match = /Leader: node (\d+)/.exec(text);
        return match !== null && Number(match[1]) !== before;
      }, { timeout: 5_000, interval: 100 })
      .toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    await screenshot('overview-new-leader');
    // Let the supervisor bring the killed node back for the following tests.
    await waitFor('the killed node to run again', async () => {
      const snapshot = await web.api<ClusterSnapshot>('/api/cluster');
      return snapshot.nodes.every((n) => n.process?.state === 'running') && snapshot.health === 'healthy';
    }, 30_000);
  });

  it('applies a configuration edit and shows it', async () => {
    await page.getByRole('tab', { name: 'Configuration' }).click();
    const quota = page.getByLabel('Storage quota', { exact: true });
    await quota.fill('1 MiB');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(async () => (await web.api<Record<string, { value: unknown }>>('/api/config')).storageQuota?.value, { timeout: 10_000 }).toBe(1048576);
    await expect.poll(() => page.getByRole('region', { name: 'Last applied changes' }).innerText(), { timeout: 10_000 }).toContain('Storage quota: 10 GiB → 1 MiB');
    await screenshot('config-applied');
  });

  it('shows the error of an upload over the quota', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    await dropFiles(page, [{ name: 'too-big.bin', size: 2 * 1024 * 1024, fill: 'x' }]);
    const row = page.getByRole('listitem', { name: 'too-big.bin' });
    await expect.poll(async () => (await row.innerText()).toLowerCase(), { timeout: 30_000 }).toMatch(/quota/);
    // Refused from the declared size before sending, in human units, not raw byte counts.
    const text = await row.innerText();
    expect(text).toMatch(/2\.00 MiB.*1\.00 MiB/);
    expect(text).not.toMatch(/\d{6,}/);
    await screenshot('files-over-quota');
  });

  it('went through every view without the Content-Security-Policy blocking anything', async () => {
    for (const tab of ['Overview', 'Files', 'Storage', 'Recovery', 'Activity', 'Configuration', 'Logs', 'Raft view']) {
      await page.getByRole('tab', { name: tab }).click();
      await expect.poll(() => page.getByRole('tabpanel').count()).toBe(1);
    }
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  });
});
