// One file upload: `PUT /api/files/<encoded name>` with the file as the raw body. XMLHttpRequest
// rather than fetch because only XHR reports upload progress.
import { errorFromBody } from './request-error';

export interface UploadRequest {
  readonly name: string;
  readonly body: Blob;
  readonly uploadId: string;
  /** The Idempotency-Key: the same on every attempt of this upload, so it is stored once. */
  readonly requestId: string;
  /** The token of a lock this dashboard holds on the file: the node refuses (423) an overwrite without it. */
  readonly lockToken?: string;
  onProgress(bytesSent: number): void;
}

export type UploadOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly code: string; readonly detail: string };

export interface UploadHandle {
  readonly outcome: Promise<UploadOutcome>;
  abort(): void;
}

export type StartUpload = (request: UploadRequest) => UploadHandle;

export function fileUrl(name: string): string {
  return `/api/files/${encodeURIComponent(name)}`;
}

export function xhrUploader(authHeaders: () => Record<string, string>): StartUpload {
  return (request) => {
    const xhr = new XMLHttpRequest();
    const outcome = new Promise<UploadOutcome>((resolve) => {
      xhr.upload.onprogress = (e) => request.onProgress(e.loaded);
      xhr.onabort = () => resolve({ kind: 'cancelled' });
      xhr.onerror = () => resolve({ kind: 'failed', code: 'network', detail: 'the connection to the cluster manager broke' });
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve({ kind: 'done' });
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = undefined;
        }
        const err = errorFromBody(xhr.status, body, xhr.statusText);
        resolve({ kind: 'failed', code: err.code, detail: err.detail });
      };
    });
    xhr.open('PUT', fileUrl(request.name));
    for (const [key, value] of Object.entries(authHeaders())) xhr.setRequestHeader(key, value);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('X-Upload-Id', request.uploadId);
    xhr.setRequestHeader('Idempotency-Key', request.requestId);
    if (request.lockToken !== undefined) xhr.setRequestHeader('X-Lock-Token', request.lockToken);
    xhr.send(request.body);
    return { outcome, abort: () => xhr.abort() };
  };
}
