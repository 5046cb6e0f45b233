// File operations, seed-compatible: POST /upload (multipart, field "file"), POST /upload/<name>
// (raw body), GET /download?name=, GET /files, GET /fileinfo?name=, plus DELETE, ranges and ETags.
// GET /<name> (raw download for names that are not API routes) is mounted last, by app.ts.
import busboy from 'busboy';
import type { Request, Response, Router } from 'express';
import express from 'express';
import { ApiError } from '../../common/errors';
import type { FileInfo } from '../../common/api-types';
import { leaderOnly, RELAYED } from '../leader-only';
import { uploadSlots } from '../upload-slots';
import type { NodeServices } from '../../ports';
import { parseRange } from '../../common/byte-range';
import { fileNameFrom, lockTokenFrom, optionalInt, requestIdFrom } from '../params';

const MAX_PAGE = 10_000;
const MAX_SEARCH_CHARS = 256;

/** `?contains=`: what a name search looks for (1–256 characters, no control characters, no "/"). */
function searchText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SEARCH_CHARS) {
    throw new ApiError('bad_request', `contains must be 1–${MAX_SEARCH_CHARS} characters of a file name`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (/[\u0000-\u001f\u007f/]/.test(value)) throw new ApiError('bad_request', 'contains matches within the last part of a name: it cannot hold "/" or control characters');
  return value;
}

export function fileRoutes(services: NodeServices): Router {
  const router = express.Router();
  const writes = leaderOnly(services, { requestIds: true });
  const rawWrites = leaderOnly(services, { requestIds: true, relaySmallFiles: true });
  const slot = uploadSlots(() => services.limits().maxConcurrentUploads);

  router.post('/upload', slot, writes, (req, res, next) => {
    receiveMultipart(services, req, res).catch(next);
  });

  // The raw-body write, under the seed's path and as a PUT on the file's own URL.
  const rawWrite = async (req: Request, res: Response) => {
    const info = await services.files.write({
      name: fileNameFrom(req.params.name),
      body: req,
      declaredSize: declaredLength(req),
      lockToken: lockTokenFrom(req),
      expectedVersion: optionalInt(req, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER) ?? undefined,
      expectedRevision: optionalInt(req, 'expectedRevision', 0, Number.MAX_SAFE_INTEGER) ?? undefined,
      requestId: requestIdFrom(req),
      relayed: res.locals[RELAYED] === true,
    });
    res.status(201).location(`/files/${encodeURIComponent(info.name)}`).json(info);
  };
  router.post('/upload/*name', slot, rawWrites, rawWrite);
  router.put('/files/*name', slot, rawWrites, rawWrite);

  router.delete('/files/*name', writes, async (req, res) => {
    const info = await services.files.remove(fileNameFrom(req.params.name), lockTokenFrom(req), requestIdFrom(req));
    res.json({ deleted: info.name, version: info.version });
  });

  router.get('/files', async (req, res) => {
    await readConsistency(services, req);
    const prefix = typeof req.query.prefix === 'string' ? req.query.prefix : '';
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : null;
    const limit = optionalInt(req, 'limit', 1, MAX_PAGE) ?? 1000;
    const delimiter = req.query.delimiter;
    if (delimiter !== undefined && delimiter !== '/') throw new ApiError('bad_request', 'delimiter must be "/" (list one folder level) or left out');
    const contains = searchText(req.query.contains);
    if (contains !== undefined && delimiter !== undefined) throw new ApiError('bad_request', 'contains searches every depth below the prefix: leave out delimiter');
    const replicas = req.query.replicas;
    if (replicas !== undefined && replicas !== '1') throw new ApiError('bad_request', 'replicas must be "1" (say which members lack which files) or left out');
    const page = services.files.list({ prefix, cursor, limit, ...(delimiter === '/' ? { delimiter } : {}), ...(contains !== undefined ? { contains } : {}) });
    if (replicas === undefined) res.json(page);
    else res.json({ ...page, replicas: await services.files.listReplicas(page.items.map((item) => item.name)) });
  });

  router.get('/files/*name', async (req, res) => {
    await readConsistency(services, req);
    sendFile(services, req, res, services.files.info(fileNameFrom(req.params.name)), false);
  });

  router.get('/fileinfo', async (req, res) => {
    await readConsistency(services, req);
    const info = services.files.info(fileNameFrom(req.query.name));
    const replicas = await services.files.replicas(info);
    const completeOn = replicas.filter((r) => r.missing !== null && r.missing.length === 0).map((r) => r.node);
    res.json({ ...info, completeOn, replicas });
  });

  router.get('/download', async (req, res) => {
    await readConsistency(services, req);
    sendFile(services, req, res, services.files.info(fileNameFrom(req.query.name)), true);
  });

  return router;
}

/** `GET /<name>`: the seed's raw download path, for names that are not API routes. */
export function rawDownloadRoute(services: NodeServices): Router {
  const router = express.Router();
  router.get('/*name', async (req, res) => {
    await readConsistency(services, req);
    sendFile(services, req, res, services.files.info(fileNameFrom(req.params.name)), false);
  });
  return router;
}

/** `?consistency=linearizable` waits for a ReadIndex round; the default reads local state. */
async function readConsistency(services: NodeServices, req: Request): Promise<void> {
  const consistency = req.query.consistency;
  if (consistency === undefined || consistency === 'local') return;
  if (consistency !== 'linearizable') {
    throw new ApiError('bad_request', 'consistency must be "local" (default) or "linearizable"');
  }
  await services.readBarrier();
}

function declaredLength(req: Request): number | null {
  const raw = req.headers['content-length'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
}

function receiveMultipart(services: NodeServices, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const requestId = requestIdFrom(req);
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 16 } });
    } catch {
      reject(new ApiError('bad_request', 'expected a multipart/form-data body with a "file" field, or POST /upload/<name> with a raw body'));
      return;
    }
    const malformed = (err: Error) => new ApiError('bad_request', `malformed multipart body: ${err.message}`);
    let sawFile = false;
    const fields: Record<string, string> = {};
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      // A truncated body fails each file stream as well as the parser. Every stream gets its
      // listener here, before anything else can run: an unheard 'error' ends the process.
      stream.on('error', (err) => reject(malformed(err)));
      if (field !== 'file' || sawFile) {
        stream.resume();
        return;
      }
      sawFile = true;
      const requested = typeof req.query.name === 'string' ? req.query.name : fields.name ?? info.filename;
      let name: string;
      try {
        name = fileNameFrom(requested);
      } catch (err) {
        stream.resume();
        reject(err);
        return;
      }
      services.files
        .write({ name, body: stream, declaredSize: null, lockToken: lockTokenFrom(req) ?? fields.lockToken, requestId })
        .then((fileInfo) => {
          res.status(201).json(fileInfo);
          resolve();
        }, reject);
    });
    parser.on('error', (err: Error) => reject(malformed(err)));
    parser.on('close', () => {
      if (!sawFile) reject(new ApiError('bad_request', 'the multipart body has no "file" field'));
    });
    // pipe() never ends the parser when the client goes away mid-body; without this the file
    // stream would wait forever and hold its upload open. Destroying the parser fails the stream.
    req.on('close', () => {
      if (!req.complete) parser.destroy(new Error('the client closed the connection before the body ended'));
    });
    req.pipe(parser);
  });
}

function sendFile(services: NodeServices, req: Request, res: Response, info: FileInfo, attachment: boolean): void {
  const etag = `"${info.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Last-Modified', new Date(info.modifiedAt).toUTCString());
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('X-Dfs-Version', String(info.version));
  if (attachment) res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(info.name.split('/').pop() ?? info.name)}`);
  if (ifNoneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  const range = parseRange(req.headers.range, info.size, req.get('if-range'), etag);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${info.size}`);
    throw new ApiError('range_not_satisfiable', `the file has ${info.size} bytes`);
  }
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.setHeader('Content-Length', String(info.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A client that goes away stops the read (and its peer repairs), and a failed read cuts the
  // response short, the only honest signal left once headers are gone.
  services.files.send(info, range, res).catch(() => res.destroy());
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
