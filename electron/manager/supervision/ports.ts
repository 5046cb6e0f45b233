// Port selection for local nodes: the seed's well-known ports when they are free (so the seed's
// curl examples work against the desktop cluster), otherwise a free one below the range the OS
// takes local ports of outgoing connections from.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const SEED_HTTP_PORTS = [8081, 8082, 8083] as const;
export const SEED_PEER_PORTS = [3030, 3031, 3032] as const;
/** Where `npm run cluster` serves S3 too; tried first, like the seed's ports. */
export const SEED_S3_PORTS = [9000, 9001, 9002] as const;

/** Whether `port` can be listened on on loopback now (listens, then closes again). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The lowest port picked when the preferred one is taken (above the well-known and registered services most machines run). */
const LOWEST_PICKED = 10_000;

/**
 * Where the ports of outgoing connections begin: Linux's setting, else 32,768 (Linux's default,
 * and below macOS's and Windows' 49,152).
 */
export function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST_PICKED + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A free loopback port not in `taken` (which it joins): `preferred` when that one is free, else a
 * random free one below the ephemeral range. A port the OS picks with listen(0) lies inside that
 * range, and between this probe and the node's bind any outgoing connection on the machine can
 * take it as its local port; the node then exits on EADDRINUSE and, its ports kept, fails the same
 * way at every restart for as long as that connection lives (a CI rehearsal lost a node for a whole
 * test file so). Free now is still not free forever; the node reports a bind failure by exiting.
 */
export async function pickPort(taken: Set<number>, preferred?: number): Promise<number> {
  if (preferred !== undefined && !taken.has(preferred) && (await isPortFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  const span = ephemeralFloor() - LOWEST_PICKED;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOWEST_PICKED + Math.floor(Math.random() * span);
    if (!taken.has(port) && (await isPortFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free loopback port between ${LOWEST_PICKED} and ${LOWEST_PICKED + span} after 100 attempts`);
}
