// Every view at 1024×700, 1280×820 (the desktop window's first size) and 1440×900, light and
// dark, in a real Chromium against web mode with three real nodes: no control sticks out of the
// window or out of its table row, the page never scrolls sideways, chart axes tick at round
// numbers, the file table's headers sit over their columns, the Raft view's log strips fit and
// show no sliver under their labels, the console stays clean, the upload dock (unfolded or
// folded) covers no control, the help is reached by the keyboard, and a reload or the back
// button keeps your place.
// Leaves a screenshot of each view in test-results/e2e/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, waitFor } from '../cluster/harness';
import { CHROMIUM_ARGS, chromiumOrSkip } from './support/chromium';
import { dropFiles } from './support/drop-files';
import { startWebMode, type WebMode } from './support/web-mode';

const chromiumPath = chromiumOrSkip();
const screenshots = path.join(repoRoot, 'test-results', 'e2e');
const VIEWS = ['Overview', 'Files', 'Storage', 'Recovery', 'Activity', 'Configuration', 'Logs', 'Raft view'] as const;

let web: WebMode;
let browser: Browser;

/** Opens the dashboard in a fresh page, recording every console warning, error and page error. */
async function openDashboard(viewport: { width: number; height: number }, colorScheme: 'light' | 'dark'): Promise<{ page: Page; messages: string[] }> {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const messages: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') messages.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => messages.push(`page error: ${e.message}`));
  // The browser's own warnings (a bad Permissions-Policy header, a blocked resource) are not
  // console calls: they arrive through the Log domain.
  const cdp = await context.newCDPSession(page);
  cdp.on('Log.entryAdded', ({ entry }) => {
    if (entry.level === 'warning' || entry.level === 'error') messages.push(`browser ${entry.level}: ${entry.text}`);
  });
  await cdp.send('Log.enable');
  await page.goto(web.url);
  await waitFor('the dashboard to show a leader', async () => (await page.getByRole('group', { name: 'Cluster status' }).innerText()).includes('Leader: node'), 30_000);
  return { page, messages };
}

/** Controls outside the window's width, and the page's sideways overflow. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    if (document.documentElement.scrollWidth > width) problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
    for (const el of document.querySelectorAll<HTMLElement>('button, a, input, select, [role="tab"], .pill')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right > width + 0.5 || box.left < -0.5) problems.push(`${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}" spans ${Math.round(box.left)}–${Math.round(box.right)}px`);
    }
    return problems;
  });
}

/** Controls and pills of the file table that stick out of their row's box. */
async function outsideTheirRow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const row of document.querySelectorAll<HTMLElement>('.file-row')) {
      const box = row.getBoundingClientRect();
      for (const el of row.querySelectorAll<HTMLElement>('button, a, input, .pill, .replicas')) {
        const inner = el.getBoundingClientRect();
        if (inner.width === 0) continue;
        if (inner.top < box.top - 0.5 || inner.bottom > box.bottom + 0.5 || inner.right > box.right + 0.5) {
          problems.push(`${row.getAttribute('aria-label')}: "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`);
        }
      }
    }
    return problems;
  });
}

/**
 * Value axes whose ticks are not evenly spaced round numbers in the unit they show (the issue's
 * 76.3 / 57.2 / 38.1 MiB/s): the step between ticks must have at most two significant digits.
 */
async function unroundTicks(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    let checked = 0;
    for (const axis of document.querySelectorAll('.recharts-yAxis-tick-labels')) {
      const labels = [...axis.querySelectorAll('.recharts-cartesian-axis-tick-value')].map((t) => (t.textContent ?? '').trim());
      const values = labels.map((label) => Number(/^-?[\d.]+/.exec(label.replace(/,/g, ''))?.[0] ?? NaN));
      const chart = axis.closest('section, .card')?.querySelector('h2, h3')?.textContent ?? '?';
      if (values.some(Number.isNaN)) problems.push(`"${chart}": a tick without a number (${labels.join(' / ')})`);
      if (values.length < 2) continue;
      checked += 1;
      const step = (values[1] as number) - (values[0] as number);
      const even = values.every((v, i) => Math.abs(v - (values[0] as number) - i * step) <= 1e-9 * Math.max(1, Math.abs(v)));
      if (!even || step <= 0 || Number(step.toPrecision(2)) !== step) problems.push(`"${chart}": ticks ${labels.join(' / ')}`);
    }
    if (checked === 0) problems.push('no value axis with two ticks or more to check');
    return problems;
  });
}

/**
 * The Raft view's log strips: from the desktop window's first width up (`mustFit`), the newest
 * entries fit beside each node's label without scrolling; at any width the newest entry is in view
 * (a narrow window once showed only the empty boxes after it), and the label, which stays put
 * while older entries scroll under it, is as tall as the entries and their outlines (else a sliver
 * of the entry under it shows, as one did at 1280 px).
 */
async function logStripFlaws(page: Page, mustFit: boolean): Promise<string[]> {
  return page.evaluate((mustFit) => {
    const problems: string[] = [];
    const scroller = document.querySelector<HTMLElement>('.log-scroller');
    if (scroller === null) return ['no log strips drawn'];
    if (mustFit && scroller.scrollWidth > scroller.clientWidth + 0.5) problems.push(`the log strips scroll: ${scroller.scrollWidth}px of content in ${scroller.clientWidth}px`);
    // The newest entry is in view, right of the labels: not scrolled past into the empty boxes.
    const entries = [...scroller.querySelectorAll<HTMLElement>('.log-cell[data-index]')];
    const newest = entries.reduce<HTMLElement | null>((a, c) => (a === null || Number(c.dataset.index) > Number(a.dataset.index) ? c : a), null);
    if (newest !== null) {
      const box = newest.getBoundingClientRect();
      const view = scroller.getBoundingClientRect();
      const labelRight = (scroller.querySelector('.row')?.firstElementChild as HTMLElement).getBoundingClientRect().right;
      if (box.left < labelRight - 0.5 || box.right > view.right + 0.5) problems.push(`the newest entry (${newest.dataset.index}) spans ${Math.round(box.left)}–${Math.round(box.right)}px, out of view (${Math.round(labelRight)}–${Math.round(view.right)}px)`);
    }
    for (const row of scroller.querySelectorAll<HTMLElement>(':scope > .row')) {
      const label = (row.firstElementChild as HTMLElement).getBoundingClientRect();
      for (const cell of row.querySelectorAll<HTMLElement>('.log-cell')) {
        const box = cell.getBoundingClientRect();
        const style = getComputedStyle(cell);
        // Chromium reports an outline's width (3px, "medium") even where none is drawn.
        const outline = style.outlineStyle === 'none' ? 0 : Number.parseFloat(style.outlineWidth) + Number.parseFloat(style.outlineOffset);
        if (label.top > box.top - outline + 0.5 || label.bottom < box.bottom + outline - 0.5) {
          problems.push(`${row.getAttribute('aria-label')}: the label spans ${Math.round(label.top)}–${Math.round(label.bottom)}px, an entry ${Math.round(box.top - outline)}–${Math.round(box.bottom + outline)}px`);
          break;
        }
      }
    }
    return problems;
  }, mustFit);
}

/** Charts alone on a row of their grid without spanning it: the orphan the issue describes. */
async function orphanCharts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const grid of document.querySelectorAll<HTMLElement>('.chart-grid')) {
      const width = grid.getBoundingClientRect().width;
      const rows = new Map<number, HTMLElement[]>();
      for (const card of grid.children as HTMLCollectionOf<HTMLElement>) {
        const top = Math.round(card.getBoundingClientRect().top);
        rows.set(top, [...(rows.get(top) ?? []), card]);
      }
      for (const cards of rows.values()) {
        const only = cards[0] as HTMLElement;
        if (cards.length === 1 && only.getBoundingClientRect().width < width - 2) problems.push(`chart "${only.querySelector('h2, h3')?.textContent ?? '?'}" alone on its row`);
      }
    }
    return problems;
  });
}

/** Header cells of the file table whose edges are not over the cells of the rows below them. */
async function misalignedColumns(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const heads = [...document.querySelectorAll<HTMLElement>('.file-head > [role="columnheader"]')];
    const problems: string[] = [];
    for (const row of document.querySelectorAll<HTMLElement>('.file-row')) {
      const cells = [...row.querySelectorAll<HTMLElement>(':scope > [role="cell"]')];
      if (cells.length !== heads.length) continue;
      heads.forEach((head, i) => {
        const a = head.getBoundingClientRect();
        const b = (cells[i] as HTMLElement).getBoundingClientRect();
        if (Math.abs(a.left - b.left) > 2 || Math.abs(a.right - b.right) > 2) {
          problems.push(`column "${head.textContent?.trim()}" spans ${Math.round(a.left)}–${Math.round(a.right)}px, its cells ${Math.round(b.left)}–${Math.round(b.right)}px`);
        }
      });
    }
    return [...new Set(problems)];
  });
}

/**
 * Controls the upload dock covers: each control outside the dock is scrolled into view (as a
 * person would) and the element at its centre must not belong to the dock.
 */
async function coveredByDock(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const dock = document.querySelector<HTMLElement>('section[aria-label="Uploads"]');
    if (dock === null) return ['the upload dock is not shown'];
    const problems: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, [role="tab"]')) {
      // Not shown at all (display: none, or inside a closed <details>, whose stale boxes lie).
      if (dock.contains(el) || !el.checkVisibility({ visibilityProperty: true })) continue;
      el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (hit !== null && dock.contains(hit)) problems.push(`${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`);
    }
    return problems;
  });
}

describe.skipIf(chromiumPath === null)('layout in Chromium at 1024×700, 1280×820 and 1440×900, light and dark', () => {
  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    web = await startWebMode();
    browser = await chromium.launch({ executablePath: chromiumPath as string, headless: true, args: CHROMIUM_ARGS });
    await waitFor('a leader', async () => (await web.api<{ leaderId: number | null; health: string }>('/api/cluster')).health === 'healthy', 30_000);
    const put = (name: string, body: string) => web.api(`/api/files/${encodeURIComponent(name)}`, { method: 'PUT', body });
    await put('reports/2026/quarterly summary with a rather long name, final version (2).pdf', 'x'.repeat(5000));
    await put('reports/readme.md', '# Reports\n');
    await put('locked-by-someone.txt', 'held');
    await put('photo.bin', 'p'.repeat(100_000));
    await web.api(`/api/locks/${encodeURIComponent('locked-by-someone.txt')}`, { method: 'POST', body: JSON.stringify({ owner: 'alice' }), headers: { 'content-type': 'application/json' } });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  // 1280×820 is the desktop window's size when it first opens (electron/main/window.ts).
  for (const viewport of [{ width: 1024, height: 700 }, { width: 1280, height: 820 }, { width: 1440, height: 900 }]) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${viewport.width}×${viewport.height} ${scheme}: nothing overflows the window or its row, the console is clean`, async () => {
        const { page, messages } = await openDashboard(viewport, scheme);
        const problems: string[] = [];
        for (const view of VIEWS) {
          await page.getByRole('tab', { name: view }).click();
          if (view === 'Files') {
            await expect.poll(() => page.getByRole('row', { name: 'locked-by-someone.txt' }).count(), { timeout: 15_000 }).toBe(1);
            // With the selection's bar shown: a folder and a file ticked.
            await page.getByRole('checkbox', { name: 'Select folder reports/' }).check();
            await page.getByRole('checkbox', { name: 'Select photo.bin' }).check();
          }
          if (view === 'Activity') {
            await page.locator('.recharts-surface').first().waitFor({ timeout: 15_000 });
            problems.push(...(await orphanCharts(page)).map((p) => `Activity: ${p}`));
            // Axes tick once their chart has a second of samples.
            await page.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').nth(1).waitFor({ timeout: 15_000 });
            problems.push(...(await unroundTicks(page)).map((p) => `Activity: ${p}`));
          }
          if (view === 'Raft view') {
            await page.locator('.log-cell:not(.log-cell-empty)').first().waitFor({ timeout: 15_000 });
            problems.push(...(await logStripFlaws(page, viewport.width >= 1280)).map((p) => `Raft view: ${p}`));
          }
          problems.push(...(await overflowing(page)).map((p) => `${view}: ${p}`));
          if (view === 'Files') problems.push(...(await outsideTheirRow(page)).map((p) => `Files row ${p}`), ...(await misalignedColumns(page)));
          const name = view.toLowerCase().replace(' view', '');
          await page.screenshot({ path: path.join(screenshots, `${name}-${viewport.width}x${viewport.height}-${scheme}.png`) });
        }
        expect(problems).toEqual([]);
        expect(messages).toEqual([]);
        await page.context().close();
      });
    }
  }

  it('keeps the view and folder on reload, and the back button returns to the previous place', async () => {
    const { page, messages } = await openDashboard({ width: 1440, height: 900 }, 'light');
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'Open folder reports' }).click();
    await page.getByRole('button', { name: 'Open folder 2026' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/files\/reports\/2026\/$/);
    await page.reload();
    await expect.poll(() => page.getByRole('tab', { name: 'Files' }).getAttribute('aria-selected'), { timeout: 15_000 }).toBe('true');
    const crumbs = page.getByRole('navigation', { name: 'Folder' });
    await expect.poll(() => crumbs.getByRole('button', { name: '2026' }).getAttribute('aria-current'), { timeout: 15_000 }).toBe('location');
    await page.getByRole('tab', { name: 'Configuration' }).click();
    await page.goBack();
    await expect.poll(() => page.getByRole('tab', { name: 'Files' }).getAttribute('aria-selected')).toBe('true');
    await page.goBack();
    await expect.poll(() => crumbs.getByRole('button', { name: 'reports' }).getAttribute('aria-current'), { timeout: 10_000 }).toBe('location');
    expect(messages).toEqual([]);
    await page.context().close();
  });

  it('reaches the help with the keyboard: Tab focuses a term and shows its one-line explanation', async () => {
    const { page, messages } = await openDashboard({ width: 1440, height: 900 }, 'light');
    await page.getByRole('tab', { name: 'Overview' }).click();
    const firstTerm = page.locator('.explained').first();
    await firstTerm.waitFor({ timeout: 15_000 });
    const tip = firstTerm.getByRole('tooltip');
    expect(await tip.isVisible()).toBe(false);
    // From the tab list, Tab alone (no mouse) lands on a term within a few dozen stops.
    await page.getByRole('tab', { name: 'Overview' }).focus();
    let reached = false;
    for (let stop = 0; stop < 60 && !reached; stop += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.classList.contains('explained') === true);
    }
    expect(reached).toBe(true);
    const focused = page.locator('.explained:focus');
    const text = (await focused.getByRole('tooltip').innerText()).trim();
    expect(await focused.getByRole('tooltip').isVisible()).toBe(true);
    expect(text.length).toBeGreaterThan(10);
    // The explanation is the term's accessible description, so screen readers read it too.
    expect(await focused.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent?.trim())).toBe(text);
    // Moving on hides it again: it belongs to the focus, not left open.
    const term = await focused.elementHandle();
    await page.keyboard.press('Tab');
    expect(await term?.evaluate((el) => getComputedStyle(el.querySelector('[role="tooltip"]') as Element).display)).toBe('none');
    expect(messages).toEqual([]);
    await page.context().close();
  });

  it('the upload dock, unfolded or folded to one line, covers no control of any view', async () => {
    const { page, messages } = await openDashboard({ width: 1024, height: 700 }, 'light');
    // Uploads refused over the quota stay in the dock until cleared.
    await web.api('/api/config', { method: 'PUT', body: JSON.stringify({ storageQuota: 1024 * 1024 }), headers: { 'content-type': 'application/json' } });
    try {
      // The page refuses these before sending only once its snapshot carries the new quota;
      // dropped earlier, they would be sent and refused by the node (a 413 in the console).
      await page.getByRole('tab', { name: 'Configuration' }).click();
      await expect.poll(() => page.getByLabel('Storage quota', { exact: true }).inputValue(), { timeout: 15_000 }).toBe('1 MiB');
      await page.getByRole('tab', { name: 'Files' }).click();
      await dropFiles(page, Array.from({ length: 4 }, (_, i) => ({ name: `too-big-${i}.bin`, size: 2 * 1024 * 1024, fill: 'x' })));
      const dock = page.getByRole('region', { name: 'Uploads' });
      await expect.poll(() => dock.innerText(), { timeout: 30_000 }).toMatch(/4 failed/);
      const toggle = dock.getByRole('button', { name: 'Uploads', exact: true });
      const problems: string[] = [];
      for (const folded of [false, true]) {
        if (folded) await toggle.click();
        expect(await toggle.getAttribute('aria-expanded')).toBe(String(!folded));
        if (folded) {
          // One line: the dock is no taller than its summary row and its padding.
          const [dockBox, summaryBox] = await Promise.all([dock.boundingBox(), dock.locator('.upload-summary').boundingBox()]);
          expect(dockBox!.height).toBeLessThanOrEqual(summaryBox!.height + 16);
        } else {
          expect(await dock.getByRole('listitem').count()).toBe(4);
        }
        for (const view of VIEWS) {
          await page.getByRole('tab', { name: view }).click();
          // Views load lazily: check once the view itself is there.
          await expect.poll(() => page.getByRole('tabpanel').innerText(), { timeout: 15_000 }).not.toMatch(/^Loading…$/);
          if (view === 'Raft view') await page.getByRole('region', { name: 'Node controls' }).getByRole('button').first().waitFor({ timeout: 15_000 });
          problems.push(...(await coveredByDock(page)).map((p) => `${view}, dock ${folded ? 'folded' : 'unfolded'}: ${p}`));
        }
      }
      expect(problems).toEqual([]);
      expect(messages).toEqual([]);
    } finally {
      await web.api('/api/config', { method: 'PUT', body: JSON.stringify({ storageQuota: 10 * 1024 ** 3 }), headers: { 'content-type': 'application/json' } });
      await page.context().close();
    }
  });
});
