import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { exitOf, startSdx, waitForOutput } from '../support/built-cli';
import { freePort } from '../support/free-port';

/** One GET: its status and code, 'refused' before the port is bound, or 'no answer' after 5 s. */
function probe(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const code = res.statusCode === 503 ? (JSON.parse(body) as { code: string }).code : '';
        resolve(`${res.statusCode} ${code} ${res.headers['retry-after'] ?? ''}`.trim());
      });
    });
    req.setTimeout(5_000, () => {
      req.destroy();
      resolve('no answer');
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : `error ${error.code}`));
    req.end();
  });
}

describe('sdx serve starting and stopping', () => {
  it('answers every request that arrives while it starts: 503 starting with Retry-After, then 200', async () => {
    const port = await freePort();
    const db = join(mkdtempSync(join(tmpdir(), 'sdx-starting-')), 'sdx.sqlite');
    const child = startSdx(['serve', '--port', String(port), '--db', db, '--demo']);
    try {
      const seen = new Map<string, number>();
      const deadline = Date.now() + 60_000;
      // Two probes at a time, as a load balancer and a phone would ask, until the service answers ok.
      const poll = async (): Promise<void> => {
        while (Date.now() < deadline && !seen.has('200')) {
          const answer = await probe(port, '/healthz');
          seen.set(answer, (seen.get(answer) ?? 0) + 1);
          await new Promise((wait) => setTimeout(wait, 5));
        }
      };
      await Promise.all([poll(), poll()]);
      // Binding the port comes before the PDF workers and the app are ready (about a second here),
      // so probes land in between; before the fix they were never answered.
      expect([...seen.keys()].sort()).toEqual(expect.arrayContaining(['200', '503 starting 1']));
      expect([...seen.keys()].filter((answer) => !['200', '503 starting 1', 'refused'].includes(answer))).toEqual([]);

      await waitForOutput(child, /SDX listening on/);
      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('keeps a SIGTERM that arrives while it starts, and stops cleanly once started', async () => {
    const port = await freePort();
    const db = join(mkdtempSync(join(tmpdir(), 'sdx-starting-')), 'sdx.sqlite');
    const child = startSdx(['serve', '--port', String(port), '--db', db, '--demo']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const deadline = Date.now() + 60_000;
      let answer = await probe(port, '/healthz');
      while (answer !== '503 starting 1' && Date.now() < deadline) {
        expect(answer).toBe('refused');
        await new Promise((wait) => setTimeout(wait, 5));
        answer = await probe(port, '/healthz');
      }
      child.kill('SIGTERM');
      // Before, the signal ended the process at once (no exit code, killed by SIGTERM).
      expect(await exitOf(child, 30_000)).toBe(0);
      expect(output).toContain('received SIGTERM while starting; stopping as soon as it has started');
      expect(output).toMatch(/SDX listening on[^]*received SIGTERM, shutting down/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  describe('stopping with a request still open', () => {
    const env = () => ({ SDX_DB: join(mkdtempSync(join(tmpdir(), 'sdx-stopping-')), 'sdx.sqlite'), SDX_PORT: '0', SDX_PDF_WORKERS: '1' });
    const quiet = () => undefined;

    /** A service holding one request whose headers and the start of its body have arrived, the rest not. */
    async function serviceHoldingARequest(shutdownGraceMs: number): Promise<{ service: RunningService; socket: Socket; answer: Promise<string> }> {
      const service = await startService(settingsOrThrow(env()), quiet, { shutdownGraceMs });
      const { hostname, port } = new URL(service.url);
      const socket = connect(Number(port), hostname);
      socket.setEncoding('utf8');
      let answer = '';
      socket.on('data', (chunk: string) => (answer += chunk));
      const closed = once(socket, 'close').then(() => answer);
      await once(socket, 'connect');
      socket.write('POST /api/v1/documents HTTP/1.1\r\nHost: sdx\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
      await new Promise((wait) => setTimeout(wait, 100));
      return { service, socket, answer: closed };
    }

    it('lets a request that completes within the grace be answered, then stops', async () => {
      const { service, ...held } = await serviceHoldingARequest(5_000);
      const closed = service.close();
      await new Promise((wait) => setTimeout(wait, 100));
      const sent = Date.now();
      held.socket.write('}');
      const answer = await held.answer;
      // Answered (no credentials), not cut; then its connection is closed as soon as it is idle, well before the grace ends.
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      await closed;
      expect(Date.now() - sent).toBeLessThan(2_000);
    });

    it('cuts a request that is still open when the grace ends, instead of waiting for it forever', async () => {
      const { service, ...held } = await serviceHoldingARequest(300);
      const started = Date.now();
      await service.close();
      expect(await held.answer).toBe('');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});
