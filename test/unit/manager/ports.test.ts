// The manager's port picker, on real sockets: a port it hands out lies below the range the OS
// draws outgoing connections' local ports from (so no connection can take it before the node
// binds it), is free, is never handed out twice, and a preferred port is used only when free.
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralFloor, isPortFree, pickPort } from '../../../electron/manager/supervision/ports';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listenOn(port: number): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('pickPort', () => {
  it('hands out free ports below the ephemeral range, each once, recorded in taken', async () => {
    const taken = new Set<number>();
    const picked: number[] = [];
    for (let i = 0; i < 30; i++) picked.push(await pickPort(taken));
    expect(new Set(picked).size).toBe(picked.length);
    expect([...taken].sort()).toEqual([...picked].sort());
    const floor = ephemeralFloor();
    for (const port of picked) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(floor);
      expect(await isPortFree(port)).toBe(true);
    }
  });

  it('takes the ephemeral range’s floor from the kernel where it says (Linux)', async () => {
    const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => null);
    expect(ephemeralFloor()).toBe(range === null ? 32_768 : Number(range.trim().split(/\s+/)[0]));
  });

  it('uses the preferred port when it is free, and another when it is listened on or already taken', async () => {
    const busy = await listenOn(0);
    expect(await isPortFree(busy)).toBe(false);
    const instead = await pickPort(new Set(), busy);
    expect(instead).not.toBe(busy);

    const free = await pickPort(new Set());
    expect(await pickPort(new Set(), free)).toBe(free);
    expect(await pickPort(new Set([free]), free)).not.toBe(free);
  });
});
