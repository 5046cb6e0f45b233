import { describe, expect, it } from 'vitest';
import { StateMachine } from '../../../node-runtime/fsm/state-machine';
import { SEARCH_SCAN_BUDGET } from '../../../node-runtime/fsm/file-catalog';
import { Driver, put } from './builders';

function names(d: Driver, options: Parameters<StateMachine['list']>[0]) {
  const page = d.machine.list(options);
  return { names: page.items.map((f) => f.name), nextCursor: page.nextCursor };
}

function filled(all: string[]): Driver {
  const d = new Driver();
  all.forEach((name, i) => d.ok(put(name, 1, i)));
  return d;
}

describe('list', () => {
  const all = ['b.txt', 'docs/z', 'a.txt', 'docs/a', 'docs/sub/c', 'docs2/x', 'doc', 'Z-upper'];

  it('lists every file sorted by name (code-unit order)', () => {
    expect(names(filled(all), {})).toEqual({ names: [...all].sort(), nextCursor: null });
  });

  it('filters by prefix, virtual folders included', () => {
    const d = filled(all);
    expect(names(d, { prefix: 'docs/' }).names).toEqual(['docs/a', 'docs/sub/c', 'docs/z']);
    expect(names(d, { prefix: 'docs' }).names).toEqual(['docs/a', 'docs/sub/c', 'docs/z', 'docs2/x']);
    expect(names(d, { prefix: 'nothing/' }).names).toEqual([]);
  });

  it('pages with a cursor until nextCursor is null', () => {
    const d = filled(all);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = names(d, { limit: 3, ...(cursor === undefined ? {} : { after: cursor }) });
      seen.push(...page.names);
      if (page.nextCursor === null) break;
      expect(page.names).toHaveLength(3);
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...all].sort());
  });

  it('combines prefix and cursor', () => {
    const d = filled(all);
    expect(names(d, { prefix: 'docs/', limit: 2 })).toEqual({ names: ['docs/a', 'docs/sub/c'], nextCursor: 'docs/sub/c' });
    expect(names(d, { prefix: 'docs/', limit: 2, after: 'docs/sub/c' })).toEqual({ names: ['docs/z'], nextCursor: null });
    // A cursor before the prefix starts at the prefix; one past it gives an empty page.
    expect(names(d, { prefix: 'docs/', after: 'a' }).names).toEqual(['docs/a', 'docs/sub/c', 'docs/z']);
    expect(names(d, { prefix: 'docs/', after: 'e' })).toEqual({ names: [], nextCursor: null });
  });

  it('does not report a next page when the last page is exactly full', () => {
    const d = filled(['a', 'b']);
    expect(names(d, { limit: 2 })).toEqual({ names: ['a', 'b'], nextCursor: null });
  });

  it('keeps working across deletes and a cursor naming a deleted file', () => {
    const d = filled(['a', 'b', 'c', 'd']);
    const first = names(d, { limit: 2 });
    d.ok({ type: 'delete', name: 'b', at: 99 });
    d.ok({ type: 'delete', name: 'c', at: 99 });
    expect(names(d, { after: first.nextCursor as string })).toEqual({ names: ['d'], nextCursor: null });
  });

  it('lists 100,000 files by prefix quickly enough to page through', () => {
    const machine = new StateMachine();
    const folders = ['alpha', 'beta', 'gamma', 'delta'];
    // Written in a scrambled order so the sorted index does real work.
    for (let i = 0; i < 100_000; i += 1) {
      const n = (i * 7919) % 100_000;
      machine.apply(i + 1, put(`${folders[n % 4]}/file-${String(n).padStart(6, '0')}`, 1, i));
    }
    expect(machine.totals().files).toBe(100_000);

    let cursor: string | undefined;
    let count = 0;
    let previous = '';
    const started = performance.now();
    do {
      const page = machine.list({ prefix: 'gamma/', limit: 1000, ...(cursor === undefined ? {} : { after: cursor }) });
      for (const file of page.items) {
        expect(file.name > previous).toBe(true);
        previous = file.name;
      }
      count += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const elapsedMs = performance.now() - started;
    expect(count).toBe(25_000);
    console.info(`listed 25,000 of 100,000 files by prefix in ${elapsedMs.toFixed(1)} ms`);

    const one = machine.list({ prefix: 'delta/file-099', limit: 3 });
    expect(one.items.map((f) => f.name)).toEqual(['delta/file-099003', 'delta/file-099007', 'delta/file-099011']);
    expect(one.nextCursor).toBe('delta/file-099011');
  }, 60_000);
});

describe('list one folder level (delimiter "/")', () => {
  const all = ['a', 'docs/a', 'docs/b', 'docs/sub/c', 'docs/sub/d/e', 'docs/zz', 'docs0', 'docs/sub2/x', 'top/x'];

  function entries(d: Driver, options: Parameters<StateMachine['list']>[0]) {
    const page = d.machine.list({ delimiter: '/', ...options });
    return { items: page.items.map((f) => f.name), folders: page.folders, nextCursor: page.nextCursor };
  }

  it('rolls deeper names up into sub-folders', () => {
    const d = filled(all);
    expect(entries(d, { prefix: 'docs/' })).toEqual({ items: ['docs/a', 'docs/b', 'docs/zz'], folders: ['docs/sub/', 'docs/sub2/'], nextCursor: null });
    expect(entries(d, {})).toEqual({ items: ['a', 'docs0'], folders: ['docs/', 'top/'], nextCursor: null });
  });

  it('lists no folders without a delimiter', () => {
    expect(filled(all).machine.list({ prefix: 'docs/' }).folders).toEqual([]);
  });

  it('pages through files and folders alike, resuming after a folder cursor', () => {
    const d = filled(all);
    const pages: ReturnType<typeof entries>[] = [];
    let after: string | undefined;
    do {
      const page = entries(d, { prefix: 'docs/', limit: 1, ...(after === undefined ? {} : { after }) });
      pages.push(page);
      after = page.nextCursor ?? undefined;
    } while (after !== undefined && pages.length < 10);
    expect(pages.map((p) => [...p.items, ...p.folders])).toEqual([['docs/a'], ['docs/b'], ['docs/sub/'], ['docs/sub2/'], ['docs/zz']]);
    expect(pages.map((p) => p.nextCursor)).toEqual(['docs/a', 'docs/b', 'docs/sub/', 'docs/sub2/', null]);
  });

  it('skips a large sub-folder without walking it', () => {
    const d = new Driver();
    for (let i = 0; i < 5000; i += 1) d.ok(put(`big/deep/f${i}`, 1, i));
    d.ok(put('big/last', 1, 9999));
    expect(entries(d, { prefix: 'big/' })).toEqual({ items: ['big/last'], folders: ['big/deep/'], nextCursor: null });
  });
});

describe('search by name part (contains)', () => {
  const all = ['Report.txt', 'docs/annual-report.pdf', 'docs/sub/reports/x.txt', 'docs/sub/old-REPORT', 'other/readme', 'reports/summary'];

  function search(d: Driver, options: Parameters<StateMachine['list']>[0]) {
    const page = d.machine.list(options);
    return { items: page.items.map((f) => f.name), folders: page.folders, nextCursor: page.nextCursor };
  }

  it('finds files at every depth whose last name part contains the text, in any case, and no folders', () => {
    const d = filled(all);
    expect(search(d, { contains: 'report' })).toEqual({ items: ['Report.txt', 'docs/annual-report.pdf', 'docs/sub/old-REPORT'], folders: [], nextCursor: null });
    expect(search(d, { contains: 'REPORT', prefix: 'docs/' }).items).toEqual(['docs/annual-report.pdf', 'docs/sub/old-REPORT']);
    expect(search(d, { contains: 'nothing-like-it' }).items).toEqual([]);
  });

  it('pages by hits, resuming after the last name looked at', () => {
    const d = filled(all);
    const first = search(d, { contains: 'report', limit: 2 });
    expect(first.items).toEqual(['Report.txt', 'docs/annual-report.pdf']);
    expect(search(d, { contains: 'report', limit: 2, after: first.nextCursor as string })).toEqual({ items: ['docs/sub/old-REPORT'], folders: [], nextCursor: null });
  });

  it('ends a page after SEARCH_SCAN_BUDGET names even without hits, and goes on from there', () => {
    const machine = new StateMachine();
    const total = SEARCH_SCAN_BUDGET * 2 + 10;
    for (let i = 0; i < total; i += 1) machine.apply(i + 1, put(`f/${String(i).padStart(7, '0')}${i === total - 1 ? '-needle' : ''}`, 1, i));
    const pages: { hits: number; nextCursor: string | null }[] = [];
    let after: string | undefined;
    do {
      const page = machine.list({ contains: 'needle', limit: 100, ...(after === undefined ? {} : { after }) });
      pages.push({ hits: page.items.length, nextCursor: page.nextCursor });
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    expect(pages.map((p) => p.hits)).toEqual([0, 0, 1]);
    expect(pages[0]?.nextCursor).toBe(`f/${String(SEARCH_SCAN_BUDGET - 1).padStart(7, '0')}`);
  }, 60_000);
});
