// Issue #18's operations kit (ops/): the alert rules pass `promtool check rules` and fire in
// `promtool test rules` on the series they are about; the Grafana dashboard is well-formed; the
// systemd unit passes `systemd-analyze verify`; and every metric the rules and the dashboard use
// is one a real node serves on /metrics (a renamed gauge fails here, not on an operator's pager).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startWithLeader, type TestCluster, type TestNode } from './harness';

const run = promisify(execFile);
const ops = path.join(repoRoot, 'ops');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string; refId: string }[];
}

let cluster: TestCluster;
let node: TestNode;
let served: Set<string>;

beforeAll(async () => {
  ({ cluster, leader: node } = await startWithLeader({ nodes: 1 }));
  const text = await (await fetch(`${node.url}/metrics`)).text();
  served = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
});
afterAll(() => cluster?.stop());

/** Metric names in a PromQL expression: ours and prom-client's defaults (`up` is Prometheus's own). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:dfs|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    const check = await run('promtool', ['check', 'rules', 'dfs-alerts.yml'], { cwd: path.join(ops, 'prometheus') });
    expect(check.stdout).toContain('SUCCESS: 8 rules found');
    const tested = await run('promtool', ['test', 'rules', 'dfs-alerts.test.yml'], { cwd: path.join(ops, 'prometheus') });
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('cover no leader, a lagging follower, the disk reserve and scrub failures, on metrics a node serves', async () => {
    const rules = await readFile(path.join(ops, 'prometheus/dfs-alerts.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\S+)/g)].map((m) => m[1]);
    expect(alerts).toEqual(expect.arrayContaining(['DfsNoLeader', 'DfsFollowerLagging', 'DfsDiskReserveReached', 'DfsScrubFailures']));
    const used = [...rules.matchAll(/expr: (.*)/g)].flatMap((m) => metricsIn(m[1]!));
    expect(used.length).toBeGreaterThan(8);
    expect(used.filter((name) => !served.has(name))).toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  it('is an importable dashboard whose every query uses metrics a node serves', async () => {
    const dashboard = JSON.parse(await readFile(path.join(ops, 'grafana/dfs-dashboard.json'), 'utf8')) as { __inputs: { name: string }[]; uid: string; panels: Panel[] };
    expect(dashboard.__inputs.map((i) => i.name)).toEqual(['DS_PROMETHEUS']);
    const { panels } = dashboard;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels) {
      expect(panel.datasource.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) expect(metricsIn(target.expr).filter((n) => !served.has(n)), `${panel.title}: ${target.expr}`).toEqual([]);
    }
    const overlaps = panels.flatMap((a, i) =>
      panels.slice(i + 1).filter((b) => a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h).map((b) => `${a.title} / ${b.title}`),
    );
    expect(overlaps).toEqual([]);
  });
});

describe('the systemd unit', () => {
  it('passes systemd-analyze verify', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dfs-unit-'));
    try {
      // verify checks that ExecStart's program exists; the installed path exists only on a server.
      const unit = (await readFile(path.join(ops, 'systemd/dfs-node@.service'), 'utf8')).replace('/usr/local/bin/dfs-node', process.execPath);
      await writeFile(path.join(dir, 'dfs-node@1.service'), unit);
      const verified = await run('systemd-analyze', ['verify', path.join(dir, 'dfs-node@1.service')]);
      expect(verified.stderr.trim()).toBe('');
      expect(unit).toMatch(/^ProtectSystem=strict$/m);
      expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
