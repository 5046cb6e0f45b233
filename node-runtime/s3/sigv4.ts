// AWS Signature Version 4 as S3 checks it: the canonical request, the string to sign, the
// derived signing key and the signature, for both places a client may put it (the Authorization
// header, or the query string of a presigned URL). Pure: a parsed request in, a verdict out.
//
// S3 differs from the other AWS services in two ways that matter here: the path is encoded once
// (never normalised, never double-encoded), and the payload's hash is whatever the client declared
// in x-amz-content-sha256 (the hex SHA-256, UNSIGNED-PAYLOAD, or a STREAMING-… marker).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './s3-errors';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** How far a signed request's clock may be from ours (S3 allows 15 minutes). */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may live (S3's limit: 7 days). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** What a request looks like to the signer: the raw path and query as sent, headers by lowercase name. */
export interface SignableRequest {
  readonly method: string;
  /** Percent-encoded path as it arrived, without the query. */
  readonly rawPath: string;
  /** The query string as it arrived, without "?". */
  readonly rawQuery: string;
  /** Each header's values in arrival order, by lowercase name. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export interface Credential {
  readonly accessKey: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

/** The parts of a signature, from a header or a presigned URL. */
export interface SignatureParts {
  readonly credential: Credential;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** X-Amz-Date: yyyymmddThhmmssZ. */
  readonly amzDate: string;
  readonly payloadHash: string;
  readonly presigned: boolean;
  /** Presigned URLs only: seconds the URL stays valid after amzDate. */
  readonly expiresSec?: number;
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX (upper case). */
export function uriEncode(text: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeOrThrow(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', 'Couldn\'t parse the specified URI: its percent-encoding is not UTF-8.');
  }
}

/** The query's pairs, decoded, in arrival order; a bare `key` has the value "". */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? [decodeOrThrow(part), ''] : [decodeOrThrow(part.slice(0, eq)), decodeOrThrow(part.slice(eq + 1))];
    });
}

export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[], payloadHash: string, excludeQueryKey?: string): string {
  const path = uriEncode(decodeOrThrow(req.rawPath), true);
  const pairs = parseQuery(req.rawQuery).filter(([k]) => k !== excludeQueryKey);
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers.get(name) ?? [])}\n`).join('');
  return [req.method, path, canonicalQuery(pairs), headerLines, signedHeaders.join(';'), payloadHash].join('\n');
}

export function scopeOf(c: Credential): string {
  return `${c.date}/${c.region}/${c.service}/aws4_request`;
}

export function stringToSign(amzDate: string, credential: Credential, canonical: string): string {
  return [ALGORITHM, amzDate, scopeOf(credential), createHash('sha256').update(canonical).digest('hex')].join('\n');
}

export function signingKey(secret: string, c: Credential): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, c.date), c.region), c.service), 'aws4_request');
}

export function sign(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function parseCredential(text: string): Credential {
  const parts = text.split('/');
  // The access key may itself contain "/": the last four parts are the scope.
  if (parts.length < 5 || parts[parts.length - 1] !== 'aws4_request') {
    throw new S3Error('AuthorizationHeaderMalformed', `The credential "${text}" is not <key>/<date>/<region>/<service>/aws4_request.`);
  }
  const [date = '', region = '', service = ''] = parts.slice(-4, -1);
  if (!/^\d{8}$/.test(date) || service !== 's3') {
    throw new S3Error('AuthorizationHeaderMalformed', `The credential scope "${parts.slice(-4).join('/')}" must name a yyyymmdd date and the service s3.`);
  }
  return { accessKey: parts.slice(0, -4).join('/'), date, region, service };
}

function single(req: SignableRequest, name: string): string | undefined {
  return req.headers.get(name)?.[0];
}

/** The signature a request carries, or null when it carries none (anonymous). */
export function signatureParts(req: SignableRequest): SignatureParts | null {
  const auth = single(req, 'authorization');
  if (auth !== undefined) return headerSignature(req, auth);
  const query = new Map(parseQuery(req.rawQuery));
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential')) return presignedSignature(query);
  if (query.has('Signature') || query.has('AWSAccessKeyId')) {
    throw new S3Error('AccessDenied', 'Signature Version 2 is not supported; use Signature Version 4.');
  }
  return null;
}

function headerSignature(req: SignableRequest, auth: string): SignatureParts {
  if (!auth.startsWith(`${ALGORITHM} `)) {
    throw new S3Error(auth.startsWith('AWS ') ? 'AccessDenied' : 'AuthorizationHeaderMalformed', `Only ${ALGORITHM} (Signature Version 4) is supported.`);
  }
  const fields = new Map(
    auth
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
      .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const),
  );
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The Authorization header needs Credential, SignedHeaders and Signature.');
  }
  const amzDate = single(req, 'x-amz-date') ?? '';
  return {
    credential: parseCredential(credential),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate: amzDate !== '' ? amzDate : httpDateAsAmz(single(req, 'date')),
    payloadHash: single(req, 'x-amz-content-sha256') ?? EMPTY_SHA256,
    presigned: false,
  };
}

function presignedSignature(query: ReadonlyMap<string, string>): SignatureParts {
  const need = (key: string): string => {
    const value = query.get(key);
    if (value === undefined || value === '') throw new S3Error('AuthorizationQueryParametersError', `The presigned URL lacks ${key}.`);
    return value;
  };
  if (need('X-Amz-Algorithm') !== ALGORITHM) throw new S3Error('AuthorizationQueryParametersError', `X-Amz-Algorithm must be ${ALGORITHM}.`);
  const expires = Number(need('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new S3Error('AuthorizationQueryParametersError', `X-Amz-Expires must be between 1 and ${MAX_PRESIGN_SECONDS} seconds.`);
  }
  return {
    credential: parseCredential(need('X-Amz-Credential')),
    signedHeaders: need('X-Amz-SignedHeaders').split(';'),
    signature: need('X-Amz-Signature'),
    amzDate: need('X-Amz-Date'),
    payloadHash: query.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
    presigned: true,
    expiresSec: expires,
  };
}

function httpDateAsAmz(date: string | undefined): string {
  const ms = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(ms)) throw new S3Error('AccessDenied', 'The request is signed but carries neither X-Amz-Date nor Date.');
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** yyyymmddThhmmssZ → ms since the epoch, or NaN. */
export function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
}

/**
 * Checks `parts` against the request with the secret of its access key. Throws S3Error
 * SignatureDoesNotMatch, RequestTimeTooSkewed or AccessDenied (expired presigned URL); returns the
 * signing key and scope, which a streaming (aws-chunked) body needs for its chunk signatures.
 */
export function verifySignature(req: SignableRequest, parts: SignatureParts, secret: string, nowMs: number): { key: Buffer; scope: string } {
  const at = parseAmzDate(parts.amzDate);
  if (Number.isNaN(at)) throw new S3Error('AccessDenied', `X-Amz-Date "${parts.amzDate}" is not yyyymmddThhmmssZ.`);
  if (parts.amzDate.slice(0, 8) !== parts.credential.date) {
    throw new S3Error('SignatureDoesNotMatch', 'The credential scope\'s date is not the request\'s date.');
  }
  if (parts.presigned) {
    if (at - MAX_SKEW_MS > nowMs) throw new S3Error('AccessDenied', 'The presigned URL is dated in the future.');
    if (nowMs > at + (parts.expiresSec ?? 0) * 1000) throw new S3Error('AccessDenied', 'Request has expired');
  } else if (Math.abs(nowMs - at) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the server\'s time is too large.');
  }
  if (!parts.signedHeaders.includes('host')) throw new S3Error('AccessDenied', 'The signed headers must include host.');
  const canonical = canonicalRequest(req, parts.signedHeaders, parts.payloadHash, parts.presigned ? 'X-Amz-Signature' : undefined);
  const toSign = stringToSign(parts.amzDate, parts.credential, canonical);
  const key = signingKey(secret, parts.credential);
  const expected = Buffer.from(sign(key, toSign), 'hex');
  const given = /^[0-9a-f]{64}$/.test(parts.signature) ? Buffer.from(parts.signature, 'hex') : Buffer.alloc(32);
  if (!timingSafeEqual(expected, given) || given.length !== 32 || !/^[0-9a-f]{64}$/.test(parts.signature)) {
    throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return { key, scope: scopeOf(parts.credential) };
}
