// Ride-through in the manager's passthrough (issue #12): a file sent the moment the manager is up,
// before any node answers its health probe, waits for one (and that node for a leader) and is
// stored; so is one sent right after the leader is killed, while the manager still thinks it up.
import { afterEach, describe, expect, it } from 'vitest';
import { childProcessLauncher } from '../../electron/manager/supervision/child-process-launcher';
import { Manager } from '../../electron/manager/manager';
import { managerNodeCommand } from '../support/node-program';
import { makeTempDir, waitFor } from '../fixtures/manager/helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startManager(): Promise<{ manager: Manager; base: string; auth: Record<string, string> }> {
  const temp = await makeTempDir('dfs-manager-ride-');
  cleanups.push(temp.remove);
  const manager = await Manager.start({ dataDir: temp.dir, launcher: childProcessLauncher, command: managerNodeCommand(), rendererDir: null, seedPorts: false });
  cleanups.push(() => manager.stop());
  return { manager, base: `http://127.0.0.1:${manager.port}`, auth: { authorization: `Bearer ${manager.token}` } };
}

describe("the manager's passthrough with no node to take a request", () => {
  it('takes a file sent the moment the manager is up, and one sent right after the leader is killed', { timeout: 120_000 }, async () => {
    const { manager, base, auth } = await startManager();
    const reachable = manager.snapshot().nodes.filter((n) => n.reachable).length;
    const first = await fetch(`${base}/api/files/early.txt`, { method: 'PUT', headers: auth, body: 'sent at start' });
    expect(first.status, `${await first.clone().text()} (nodes reachable when sent: ${reachable})`).toBe(201);

    const leaderId = await waitFor('a healthy cluster with a leader', () => {
      const s = manager.snapshot();
      return s.health === 'healthy' && s.leaderId !== null ? s.leaderId : undefined;
    }, 60_000);
    const kill = await fetch(`${base}/api/nodes/${leaderId}/kill`, { method: 'POST', headers: auth });
    expect(kill.status).toBe(202);
    const after = await fetch(`${base}/api/files/after-kill.txt`, { method: 'PUT', headers: auth, body: 'sent after the kill' });
    expect(after.status, await after.clone().text()).toBe(201);
    const read = await fetch(`${base}/api/files/after-kill.txt`, { headers: auth });
    expect(await read.text()).toBe('sent after the kill');
  });
});
