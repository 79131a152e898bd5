import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevOcspResponder } from './ocsp';

/** An OCSP request is a few hundred bytes; anything far larger is not one. */
const MAX_REQUEST_BYTES = 16 * 1024;

export interface OcspHttpServer {
  /** Where to POST requests (RFC 6960 A.1), e.g. for SDX_OCSP_URL. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a development OCSP responder over HTTP: POST `application/ocsp-request` to /ocsp, answered
 * with `application/ocsp-response` (a malformed request gets OCSP's own malformedRequest answer).
 */
export async function serveOcsp(responder: DevOcspResponder, options: { host: string; port?: number }): Promise<OcspHttpServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/ocsp') {
      response.writeHead(request.method === 'POST' ? 404 : 405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        response.writeHead(413).end();
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_REQUEST_BYTES) return;
      responder.respond(Buffer.concat(chunks)).then(
        (answer) => response.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(answer),
        () => response.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}/ocsp`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
