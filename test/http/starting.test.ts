import { once } from 'node:events';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { answerWhileStarting, STARTING_RETRY_SECONDS } from '../../src/http/starting';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function ask(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('a service that is still starting', () => {
  let server: Server;
  let port: number;
  let ready: ReturnType<typeof answerWhileStarting>;

  beforeEach(async () => {
    server = createServer();
    ready = answerWhileStarting(server, false);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('answers a health probe 503 starting with Retry-After, as problem+json with the security headers', async () => {
    const answer = await ask(port, '/healthz');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe(String(STARTING_RETRY_SECONDS));
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.headers['x-powered-by']).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'https://sdx.dev/problems/starting', status: 503, code: 'starting' });
  });

  it('tells a Chinese client in Chinese, and a browser with a page in its language', async () => {
    const zh = JSON.parse((await ask(port, '/api/v1/documents', { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } })).body) as Record<string, string>;
    expect(zh).toMatchObject({ code: 'starting', title: '服务正在启动', detail: '服务正在启动；请稍后重试。' });

    const page = await ask(port, '/', { headers: { accept: 'text/html', 'accept-language': 'zh-CN' } });
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('服务正在启动');
    expect(page.body).toContain('data-code="starting"');
    // The page's readable text is Chinese: besides the stable code it quotes for support and the switch to English, no English word.
    const text = page.body.replace(/<[^>]*>/g, ' ').replace('错误代码 starting', '错误代码');
    expect(text.match(/[A-Za-z]{2,}/g)?.filter((word) => !['SDX', 'PDF', 'HTTP', 'English'].includes(word)) ?? []).toEqual([]);
  });

  it('answers requests with a body, and the same connection reaches the app once it is wired', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ kind: 'delivery-order', filler: 'x'.repeat(200_000) });
      const early = await ask(port, '/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body, agent });
      expect(early.status).toBe(503);
      expect(JSON.parse(early.body)).toMatchObject({ code: 'starting' });

      const app = express();
      app.get('/healthz', (_req, res) => {
        res.json({ status: 'ok' });
      });
      ready(app);
      let sockets = 0;
      server.on('connection', () => sockets++);
      const later = await ask(port, '/healthz', { agent });
      expect(later).toMatchObject({ status: 200, body: '{"status":"ok"}' });
      expect(later.headers['retry-after']).toBeUndefined();
      expect(sockets).toBe(0);
      // Once wired, the starting answer is gone for good.
      expect(server.listenerCount('request')).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
