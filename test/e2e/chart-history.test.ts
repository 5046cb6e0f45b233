// The Activity charts' hour, in a real Chromium against web mode with three real nodes: the
// manager starts on a data dir where an earlier run left 35 minutes of chart history (written by
// the manager's own ChartHistory), and the 1 h range draws them while 5 min does not.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartHistory } from '../../electron/manager/cluster-view/chart-history';
import { repoRoot } from '../cluster/harness';
import { healthyCluster, node } from '../unit/renderer/fixtures';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const screenshots = path.join(repoRoot, 'test-results', 'e2e');
const MINUTE = 60_000;

let web: WebMode;
let browser: Browser;
let page: Page;

/** An earlier run's snapshots, a second apart, from 55 to 20 minutes ago, with uploads going on. */
async function writeEarlierRun(dataDir: string): Promise<void> {
  const end = Date.now() - 20 * MINUTE;
  const clock = { now: end - 35 * MINUTE };
  const history = await ChartHistory.open(path.join(dataDir, 'chart-history'), { now: () => clock.now });
  for (let i = 0; clock.now < end; i += 1, clock.now += 1_000) {
    const traffic = { uploadedBytes: 2 * 1024 * 1024 * i, downloadedBytes: 0, requests: i, proposalsCommitted: i, proposalsFailed: 0, latencyP50Ms: 2, latencyP95Ms: 9 };
    const nodes = [1, 2, 3].map((id) => node(id, { stats: { traffic } }));
    history.record({ at: clock.now, name: 'snapshot', data: healthyCluster({ nodes, updatedAt: clock.now }) });
    if (i % 60 === 0) await history.flush();
  }
  await history.close();
}

/** The oldest time on the throughput chart's axis, in minutes before now (read in the page). */
async function oldestTickMinutesAgo(): Promise<number> {
  return page.evaluate(() => {
    const chart = document.querySelector('[aria-label="Client throughput"]');
    const labels = [...(chart?.querySelectorAll('.recharts-xAxis-tick-labels text') ?? [])].map((t) => t.textContent ?? '');
    const now = new Date();
    const ages = labels.flatMap((label) => {
      const match = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(label.trim());
      if (match === null) return [];
      const at = new Date(now);
      at.setHours(Number(match[1]), Number(match[2]), Number(match[3]), 0);
      // A label after now is from yesterday (the hour crossed midnight).
      const ms = now.getTime() - at.getTime();
      return [(ms < 0 ? ms + 86_400_000 : ms) / 60_000];
    });
    return ages.length === 0 ? -1 : Math.max(...ages);
  });
}

describe.skipIf(chromiumPath === null)('Activity charts over an hour (web mode, three real nodes)', () => {
  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    web = await startWebMode({ prepareDataDir: writeEarlierRun });
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(web.url);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it('shows the earlier run’s series under 1 h, and only the last minutes under 5 min', async () => {
    await page.getByRole('tab', { name: 'Activity' }).click();
    // As a person would: the charts are drawn (the restored hour included) before picking a range.
    const throughput = page.getByRole('region', { name: 'Client throughput' });
    await throughput.locator('.recharts-surface').first().waitFor({ timeout: 60_000 });
    const picker = page.getByRole('radiogroup', { name: 'Time range' });
    // A loaded machine may stall the page for seconds: more time than an action's default 30 s.
    await picker.getByRole('radio', { name: '1 h' }).click({ timeout: 90_000 });
    // The history reaches 55 minutes back: the page was opened seconds ago.
    await expect.poll(() => page.getByText(/^The last 1 h/).innerText(), { timeout: 20_000 }).toMatch(/the history covers (5[0-9]|60) min/);
    await expect.poll(oldestTickMinutesAgo, { timeout: 10_000 }).toBeGreaterThan(40);
    // The earlier run uploaded 2 MiB/s per node: the throughput chart's axis reaches that far.
    await expect.poll(() => throughput.locator('.recharts-yAxis-tick-labels').textContent(), { timeout: 10_000 }).toMatch(/MiB\/s/);
    await page.screenshot({ path: path.join(screenshots, 'activity-1h-history.png'), fullPage: true });
    await picker.getByRole('radio', { name: '5 min', exact: true }).click({ timeout: 90_000 });
    await expect.poll(oldestTickMinutesAgo, { timeout: 10_000 }).toBeLessThanOrEqual(5);
  });
});
