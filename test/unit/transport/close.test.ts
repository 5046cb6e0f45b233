import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectedAll, message, startCluster, waitFor } from './harness';

/** Handles that would keep a process alive (the test runner's own are counted in the baseline). */
function liveHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'].includes(r)).length;
}

describe('closing a transport', () => {
  it('releases every socket, server and timer it opened', async () => {
    const baseline = liveHandles();
    const nodes = await startCluster([1, 2, 3]);
    await waitFor('streams', () => connectedAll(nodes));
    nodes[0]?.transport.send([message(1, 2), message(1, 3)]);
    nodes[1]?.transport.addPeer(9, { host: '127.0.0.1', port: 1 });
    await waitFor('a failed attempt', () => nodes[1]?.transport.peerStatus()[9]?.lastError !== undefined);
    expect(liveHandles()).toBeGreaterThan(baseline);
    await Promise.all(nodes.map((n) => n.transport.close()));
    await waitFor(`handles back to ${baseline} (now ${process.getActiveResourcesInfo().join(', ')})`, () => liveHandles() <= baseline);
  });

  it('lets the process exit on its own after close()', async () => {
    const script = fileURLToPath(new URL('./fixtures/exit-after-close.ts', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`child did not exit cleanly: ${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    expect(stdout).toBe('closed\n');
  }, 30_000);
});
