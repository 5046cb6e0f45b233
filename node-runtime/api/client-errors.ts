// Requests Node's HTTP parser refuses before Express sees them (headers too large, malformed
// request line, a header with a control character, a request that took too long) still get the
// project's JSON error shape, and the connection is closed: the stream position is unknown.
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type ErrorCode } from '../common/errors';

function answerFor(err: NodeJS.ErrnoException, maxHeaderBytes: number): ApiError {
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'bad_request';
  const detail =
    code === 'headers_too_large'
      ? `the request headers are larger than this node accepts (${maxHeaderBytes} bytes, setting maxHeaderBytes)`
      : code === 'request_timeout'
        ? 'the request took longer than this node allows'
        : `the request is not valid HTTP (${err.code ?? 'parse error'})`;
  return new ApiError(code, detail);
}

/** `maxHeaderBytes`: the head size limit in force, named in the 431 answer. */
export function answerClientErrors(server: Server, maxHeaderBytes: () => number): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or a half-closed socket has no one left to read an answer; and a request timed out
    // while its answer was already being written must not get a second head mid-body (Node's own
    // handler makes the same check on this field).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const answer = answerFor(err, maxHeaderBytes());
    const body = JSON.stringify(answer.toBody());
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
