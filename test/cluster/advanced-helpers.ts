// Shared steps of the advanced-* cluster tests (integrity, quota, locks, config, recovery).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import type { RecoveryStatus } from '../../node-runtime/common/api-types';
import { json, waitFor, type TestCluster, type TestNode } from './harness';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface StoredFile {
  name: string;
  size: number;
  sha256: string;
  version: number;
  chunks: { hash: string; size: number }[];
}

export function chunkPath(node: TestNode, hash: string): string {
  return path.join(node.dataDir, 'chunks', hash.slice(0, 2), hash);
}

/** True when the node holds the chunk and its bytes hash to its name. */
export async function holdsIntact(node: TestNode, hash: string): Promise<boolean> {
  try {
    return sha256(await readFile(chunkPath(node, hash))) === hash;
  } catch {
    return false;
  }
}

export async function upload(node: TestNode, name: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  return json<StoredFile & { error?: string; detail?: string }>(`${node.url}/upload/${name}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : Buffer.from(body),
    headers,
  });
}

export async function recovery(node: TestNode): Promise<RecoveryStatus & { scrub: { current?: unknown } }> {
  return (await json<RecoveryStatus & { scrub: { current?: unknown } }>(`${node.url}/recovery/status`)).body;
}

export async function putConfig(node: TestNode, patch: unknown) {
  return json<Record<string, { value: unknown; scope: string; source: string }> & { error?: string; detail?: string }>(`${node.url}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
}

export async function configValue(node: TestNode, key: string): Promise<{ value: unknown; source: string }> {
  const { body } = await json<Record<string, { value: unknown; source: string }>>(`${node.url}/config`);
  const entry = body[key];
  if (!entry) throw new Error(`node ${node.id} has no setting ${key}`);
  return entry;
}

/** Waits until every running node has applied `name` at `version` (or later). */
export async function waitApplied(cluster: TestCluster, name: string, version: number, nodes = cluster.running()): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitFor(`node ${n.id} to apply ${name}@${version}`, async () => {
        const { status, body } = await json<{ version: number }>(`${n.url}/fileinfo?name=${encodeURIComponent(name)}`);
        return status === 200 && body.version >= version;
      }),
    ),
  );
}

/** Downloads a file from one node and returns the SHA-256 of what arrived (streamed, not buffered). */
export async function downloadHash(node: TestNode, name: string): Promise<{ status: number; sha256: string; bytes: number }> {
  const res = await fetch(`${node.url}/download?name=${encodeURIComponent(name)}`);
  const digest = createHash('sha256');
  let bytes = 0;
  if (res.body) {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      digest.update(piece);
      bytes += piece.length;
    }
  }
  return { status: res.status, sha256: digest.digest('hex'), bytes };
}

/**
 * POSTs only the head of an upload declaring `bytes` (no body byte is ever sent) and resolves with
 * the answer; fails when none comes within 20 s, i.e. when the node waited for the body.
 */
export function answerToHeadOnly(url: string, bytes: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-length': String(bytes) } });
    const deadline = setTimeout(() => reject(new Error('no answer within 20 s: the node waited for the body')), 20_000);
    req.once('error', reject);
    req.once('response', (res) => {
      clearTimeout(deadline);
      let body = '';
      res.on('data', (piece: Buffer) => (body += piece.toString()));
      res.once('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as unknown });
      });
    });
    req.flushHeaders();
  });
}
