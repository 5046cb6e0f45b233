// Port selection for local nodes: the seed's well-known ports when they are free (so the seed's
// curl examples work against the desktop cluster), otherwise whatever the OS hands out.
import { createServer } from 'node:net';

export const SEED_HTTP_PORTS = [8081, 8082, 8083] as const;
export const SEED_PEER_PORTS = [3030, 3031, 3032] as const;
/** Where `npm run cluster` serves S3 too; tried first, like the seed's ports. */
export const SEED_S3_PORTS = [9000, 9001, 9002] as const;

/** Listens on `port` (0: any) on loopback and closes again; resolves the port, or null if taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

export async function isPortFree(port: number): Promise<boolean> {
  return (await probe(port)) === port;
}

/**
 * A free loopback port not in `taken` (which it joins): `preferred` when that one is free, else
 * one from the OS. Free now is not free forever; the node reports a bind failure by exiting.
 */
export async function pickPort(taken: Set<number>, preferred?: number): Promise<number> {
  if (preferred !== undefined && !taken.has(preferred) && (await isPortFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await probe(0);
    if (port !== null && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('could not find a free loopback port after 20 attempts');
}
