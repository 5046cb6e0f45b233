// "Download as zip": POST the selection, get a ticket once every file was found (a bad or outdated
// selection is a JSON error here, before any download starts), then GET the ticket's URL as a
// plain link — the browser's download in web mode, the app's own download handling in Electron,
// exactly as a single file is downloaded.
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { ApiError } from '../../../node-runtime/common/errors';
import type { ArchiveProgress, ArchiveTicket } from '../../../node-runtime/common/manager-api';
import { parseArchiveRequest, planArchive, type ArchivePlan } from '../clusters/archive-plan';
import { listClusterFiles, openClusterFile } from '../clusters/cluster-files';
import { zipArchive } from '../clusters/zip-archive';
import type { ControlContext } from './control-api';
import { apiRoute, methodNotAllowed, readJson, ROUTER_OPTIONS, sendJson } from './http-util';

/** A ticket not fetched by then is forgotten. */
const TICKET_TTL_MS = 5 * 60_000;
/** Tickets waiting at once; each holds its file list (up to 100,000 names) in memory. */
const MAX_WAITING_TICKETS = 8;

interface Waiting {
  readonly plan: ArchivePlan;
  readonly expires: number;
}

/** `filename*` for any name, with an ASCII fallback for clients that know only `filename`. */
function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export function archiveRoutes(ctx: ControlContext): Router {
  const router = Router(ROUTER_OPTIONS);
  const waiting = new Map<string, Waiting>();
  const forgetExpired = (now: number): void => {
    for (const [id, ticket] of waiting) if (ticket.expires <= now) waiting.delete(id);
  };

  apiRoute(router, '/archives')
    .post(async (req, res) => {
      const selection = parseArchiveRequest(await readJson(req));
      const plan = await planArchive(listClusterFiles(ctx.ops()), selection);
      const now = Date.now();
      forgetExpired(now);
      // Map order is insertion order: the oldest waiting ticket makes room.
      if (waiting.size >= MAX_WAITING_TICKETS) waiting.delete(waiting.keys().next().value as string);
      const id = randomUUID();
      waiting.set(id, { plan, expires: now + TICKET_TTL_MS });
      const ticket: ArchiveTicket = { id, url: `/api/archives/${id}`, fileName: plan.fileName, files: plan.entries.length, totalBytes: plan.bytes };
      sendJson(res, 201, ticket);
    })
    .all(methodNotAllowed);

  apiRoute(router, '/archives/:id')
    .get(async (req, res) => {
      forgetExpired(Date.now());
      const id = String(req.params.id);
      const ticket = waiting.get(id);
      if (ticket === undefined) throw new ApiError('not_found', 'this zip download has expired or was already fetched; select the files and download them again');
      waiting.delete(id);
      const { plan } = ticket;
      const zip = zipArchive(plan, openClusterFile(ctx.ops()));
      const progress = (state: ArchiveProgress['state'], detail?: string): void =>
        ctx.bus.emit('archive', { id, fileName: plan.fileName, files: plan.entries.length, state, ...(detail !== undefined && { detail }) });
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': zip.size,
        'content-disposition': attachment(plan.fileName),
        'cache-control': 'no-store',
      });
      progress('sending');
      try {
        await pipeline(zip.output, res);
        progress('done');
      } catch {
        const failure = zip.failure();
        if (failure === null) progress('cancelled');
        else progress('failed', failure instanceof ApiError ? failure.detail : failure.message);
        // Headers are gone: a cut connection (short of Content-Length) is the only signal left.
        res.destroy();
      }
    })
    .all(methodNotAllowed);
  return router;
}
