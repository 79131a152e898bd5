// Text answers go out compressed as the client accepts (br before gzip); the event stream never,
// since a compressor would hold its events back; small JSON answers neither (not worth the CPU). Over real HTTP on loopback, decoded with node:zlib.
import { readFileSync } from 'node:fs';
import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { JSON_COMPRESS_MIN_BYTES } from '../../src/http/compress';
import { Client, P, useExchange } from './exchange-client';
import { repoRoot } from '../support/examples';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let server: Server;
let base = '';
useExchange(async (app) => {
  t = app;
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));

function fetchRaw(path: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('compressed answers', () => {
  const css = readFileSync(join(repoRoot, 'templates', 'pages', 'app.css'));

  it.each([
    ['br, gzip', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
  ] as const)('the stylesheet, asked with %s, comes %s-encoded, smaller, and decodes to the file', async (accept, encoding, decode) => {
    const { res, body } = await fetchRaw('/static/app.css', { 'accept-encoding': accept });
    expect(res.headers['content-encoding']).toBe(encoding);
    expect(res.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(body.length).toBeLessThan(css.length / 2);
    expect(decode(body).equals(css)).toBe(true);
  });

  it('a client that accepts no encoding gets the bytes as they are', async () => {
    const { res, body } = await fetchRaw('/static/app.css', {});
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(body.equals(css)).toBe(true);
  });

  it('a JSON answer of a few KB (one document) goes out as it is; a large one (the OpenAPI document) compressed', async () => {
    const client = new Client(t);
    const issued = await client.deliveryOrder();
    const one = await fetchRaw(`/api/v1/documents/${issued.id}`, { 'accept-encoding': 'br, gzip', authorization: client.auth(P.agentSha) });
    expect(one.res.headers['content-type']).toMatch(/^application\/json/);
    expect(one.res.headers['content-encoding']).toBeUndefined();
    // Above the general threshold (1 KB), below the JSON one: left alone by choice, not by size alone.
    expect(one.body.length).toBeGreaterThan(1024);
    expect(one.body.length).toBeLessThan(JSON_COMPRESS_MIN_BYTES);
    expect(JSON.parse(one.body.toString('utf8'))).toMatchObject({ id: issued.id });
    const openApi = await fetchRaw('/openapi.json', { 'accept-encoding': 'br, gzip' });
    expect(openApi.res.headers['content-encoding']).toBe('br');
    const text = brotliDecompressSync(openApi.body).toString('utf8');
    expect(text.length).toBeGreaterThan(JSON_COMPRESS_MIN_BYTES);
    expect(JSON.parse(text)).toHaveProperty('openapi');
  });

  it('the event stream is not compressed: its first lines arrive at once, as text', async () => {
    const first = await new Promise<{ encoding: string | undefined; text: string }>((resolve, reject) => {
      const req = get(`${base}/api/v1/stream`, { headers: { 'accept-encoding': 'br, gzip', authorization: `Bearer ${t.keys[P.haulierA] ?? ''}` } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve({ encoding: res.headers['content-encoding'], text: chunk.toString('utf8') });
          req.destroy();
        });
      });
      req.on('error', reject);
    });
    expect(first.encoding).toBeUndefined();
    expect(first.text).toMatch(/^retry: \d+/);
  });
});
