// Uploads sent through the manager: streamed to a node, with `upload` progress events on the bus
// (at most ten a second per upload, plus the final state) for the dashboard's upload queue.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiErrorBodySchema } from '../../../node-runtime/common/errors';
import type { UploadProgress } from '../../../node-runtime/common/manager-api';
import type { EventBus } from '../cluster-view/event-bus';
import { proxyToNode, type PickTarget } from './passthrough';

const PROGRESS_INTERVAL_MS = 100;

function errorOf(status: number, body: string | null): { error: string; detail: string } {
  try {
    const parsed = apiErrorBodySchema.safeParse(JSON.parse(body ?? ''));
    if (parsed.success) return parsed.data;
  } catch {
    // Not an error body: described by its status below.
  }
  return { error: 'unavailable', detail: `the node answered ${status}` };
}

export async function uploadThroughNode(req: IncomingMessage, res: ServerResponse, target: PickTarget, name: string, bus: EventBus): Promise<void> {
  const requestedId = req.headers['x-upload-id'];
  const uploadId = typeof requestedId === 'string' && /^[\w-]{1,64}$/.test(requestedId) ? requestedId : randomUUID();
  const length = Number(req.headers['content-length']);
  const totalBytes = Number.isInteger(length) && length >= 0 ? length : null;
  let bytesSent = 0;
  let lastEmit = 0;
  const emit = (state: UploadProgress['state'], error?: UploadProgress['error']): void => {
    lastEmit = Date.now();
    bus.emit('upload', { uploadId, name, bytesSent, totalBytes, state, ...(error ? { error } : {}) });
  };
  res.setHeader('x-upload-id', uploadId);
  emit('uploading');
  await proxyToNode(req, res, target, 'POST', {
    resendable: true,
    onBytes: (total) => {
      bytesSent = total;
      if (Date.now() - lastEmit >= PROGRESS_INTERVAL_MS) emit('uploading');
    },
    onAnswer: (status, body) => (status < 300 ? emit('done') : emit('failed', errorOf(status, body))),
    onFailure: (reason, cancelled) => (cancelled ? emit('cancelled') : emit('failed', { error: 'unavailable', detail: reason })),
  });
}
