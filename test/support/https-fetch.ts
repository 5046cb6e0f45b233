// fetch() for a server whose certificate a private CA signed: the global fetch trusts only the
// system's CAs and takes no `ca` option, so this sends the request with node:https and wraps the
// answer in a standard Response, for the cluster harness and the tests to use as they use fetch.
import https from 'node:https';

export function fetchTrusting(ca: Buffer): typeof fetch {
  const agent = new https.Agent({ ca, keepAlive: false });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = https.request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
        const pieces: Buffer[] = [];
        res.on('data', (piece: Buffer) => pieces.push(piece));
        res.on('error', reject);
        res.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(', ') : value);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(pieces), { status, headers: answer }));
        });
      });
      req.on('error', reject);
      req.end(typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : undefined);
    });
}
