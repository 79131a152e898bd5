import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_BASE } from './problem';

/** What Node's HTTP parser refused, by its error code; anything else is a malformed request. */
const refusals: Record<string, { status: number; title: string; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, title: 'Request Header Fields Too Large', code: 'headers-too-large', detail: 'the request line and headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, title: 'Content Too Large', code: 'body-too-large', detail: 'the chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout', code: 'request-timeout', detail: 'the request did not arrive in time' },
};
const malformed = {
  status: 400,
  title: 'Bad Request',
  code: 'malformed-request',
  detail: 'the request is not well-formed HTTP (e.g. a control character in a header value)',
};

/**
 * Requests Node's parser refuses before express sees them (a CR, LF or NUL inside a header value,
 * oversized headers) get a problem+json answer like every other refusal, instead of Node's bare
 * status line. Nothing of the request is echoed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal = (error.code ? refusals[error.code] : undefined) ?? malformed;
    const body = JSON.stringify({ type: PROBLEM_BASE + refusal.code, ...refusal });
    socket.end(
      `HTTP/1.1 ${refusal.status} ${refusal.title}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
