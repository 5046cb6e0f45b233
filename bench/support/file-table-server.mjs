// A stand-in for a node's file API, for benchmarks of the manager's side of watched folders:
// `POST /upload/<name>` (raw body; answers its size and SHA-256), `GET /files?prefix=&cursor=&limit=`
// (name order, like a node) and `DELETE /files/<name>`, with the table in memory. It runs as its
// own process so its memory is not counted as the manager's. Listens on `PORT` (loopback).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const files = new Map();
let sorted = null;

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://table');
  if (req.method === 'POST' && url.pathname.startsWith('/upload/')) {
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const name = decodeURIComponent(url.pathname.slice('/upload/'.length));
      const file = { name, size, sha256: hash.digest('hex') };
      if (!files.has(name)) sorted = null;
      files.set(name, file);
      json(res, 201, file);
    });
  } else if (req.method === 'GET' && url.pathname === '/files') {
    sorted ??= [...files.keys()].sort();
    const prefix = url.searchParams.get('prefix') ?? '';
    const cursor = url.searchParams.get('cursor');
    const start = cursor ?? prefix;
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    // The first name after the cursor, or the first at or after the prefix.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < start || (cursor !== null && sorted[mid] === start)) lo = mid + 1;
      else hi = mid;
    }
    const page = [];
    for (let i = lo; i < sorted.length && page.length < limit && sorted[i].startsWith(prefix); i++) page.push(files.get(sorted[i]));
    const more = lo + page.length < sorted.length && sorted[lo + page.length].startsWith(prefix);
    json(res, 200, { items: page, nextCursor: more ? page.at(-1).name : null });
  } else if (req.method === 'DELETE' && url.pathname.startsWith('/files/')) {
    const name = decodeURIComponent(url.pathname.slice('/files/'.length));
    sorted = null;
    json(res, files.delete(name) ? 200 : 404, { deleted: name });
  } else {
    json(res, 404, { error: 'not_found', detail: `${req.method} ${url.pathname}` });
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`));
