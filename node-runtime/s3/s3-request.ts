// One S3 request as the operations see it: method, bucket and key from the path-style URL, the
// decoded query, headers by lowercase name, and how its body was signed. Answers go out through
// the helpers here so every response carries S3's request id and no Express-isms.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseQuery, type SignableRequest } from './sigv4';
import { S3Error } from './s3-errors';

export interface S3Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Null for the service root (ListBuckets). */
  readonly bucket: string | null;
  /** Null for a bucket-level request. */
  readonly key: string | null;
  readonly query: ReadonlyMap<string, string>;
  readonly signable: SignableRequest;
  readonly requestId: string;
  /** The signed payload hash (hex), "UNSIGNED-PAYLOAD" or a STREAMING-… marker; set once authenticated. */
  payloadHash: string;
  /** For aws-chunked bodies: the seed signature and signing key their chunk signatures chain from. */
  streaming: { readonly key: Buffer; readonly scope: string; readonly amzDate: string; readonly seedSignature: string } | null;
  header(name: string): string | undefined;
}

export function parseS3Request(req: IncomingMessage, res: ServerResponse): S3Request {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(req.rawHeaders[i + 1] as string);
    headers.set(name, list);
  }
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const base = { req, res, method: req.method ?? 'GET', requestId, payloadHash: '', streaming: null };
  const signable: SignableRequest = { method: base.method, rawPath, rawQuery, headers };
  const header = (name: string): string | undefined => headers.get(name)?.[0];
  // Path-style addressing: /bucket/key…; the bucket segment never contains "/".
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new S3Error('InvalidURI', 'Couldn\'t parse the specified URI.');
  }
  if (!path.startsWith('/')) throw new S3Error('InvalidURI', 'Couldn\'t parse the specified URI.');
  const slash = path.indexOf('/', 1);
  const bucket = path.length <= 1 ? null : path.slice(1, slash < 0 ? undefined : slash);
  const key = slash < 0 || slash === path.length - 1 ? null : path.slice(slash + 1);
  return { ...base, bucket, key, query: new Map(parseQuery(rawQuery)), signable, header };
}

/** The resource an error names: the path the client asked for. */
export function resourceOf(s3: S3Request): string {
  return `/${s3.bucket ?? ''}${s3.key !== null ? `/${s3.key}` : ''}`;
}

export function sendXml(s3: S3Request, status: number, xml: string, headers: Record<string, string> = {}): void {
  s3.res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml), 'x-amz-request-id': s3.requestId, ...headers });
  s3.res.end(s3.method === 'HEAD' ? undefined : xml);
}

export function sendEmpty(s3: S3Request, status: number, headers: Record<string, string> = {}): void {
  s3.res.writeHead(status, { 'content-length': '0', 'x-amz-request-id': s3.requestId, ...headers });
  s3.res.end();
}

export function sendError(s3: S3Request, err: S3Error): void {
  const { res } = s3;
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendXml(s3, err.status, err.toXml(resourceOf(s3), s3.requestId));
}

/** Reads a small body (an XML request document) whole; larger than `limit` is refused. */
export async function readSmallBody(s3: S3Request, limit: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of s3.req as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > limit) throw new S3Error('MalformedXML', `The request document is larger than ${limit} bytes.`);
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}
