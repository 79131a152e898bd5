import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { repoRoot } from '../support/examples';

jest.setTimeout(60_000);

const AGENT = 'sdx_demo_agent_sha_4b7e20';
const quiet = { SDX_STORE: '', SDX_MONGO_URI: '', SDX_PDF_WORKERS: '0' };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sdx-ops-'));
}

describe('settings', () => {
  it('names every bad setting at start, one line each, and exits 2 before opening anything', () => {
    const dir = tempDir();
    const result = runSdx(['serve', '--db', join(dir, 'sdx.sqlite')], {
      env: {
        ...quiet,
        SDX_PDF_WORKERS: 'many',
        SDX_WRITE_BURST: '0',
        SDX_WEBHOOK_TIMEOUT_MS: '5',
        SDX_LOG_LEVEL: 'chatty',
        SDX_PUBLIC_URL: 'sdx.example',
        SDX_SESSION_IDLE: '30 minutes',
        SDX_MAX_STREAMS: '0',
      },
    });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const name of ['SDX_PDF_WORKERS', 'SDX_WRITE_BURST', 'SDX_WEBHOOK_TIMEOUT_MS', 'SDX_LOG_LEVEL', 'SDX_PUBLIC_URL', 'SDX_SESSION_IDLE', 'SDX_MAX_STREAMS']) {
      expect(lines.filter((line) => line.startsWith(`sdx serve: bad setting: ${name} must be`))).toHaveLength(1);
    }
  });

  it('reads a JSON config file (the environment wins over it); unknown names in the file are refused', async () => {
    const dir = tempDir();
    const config = join(dir, 'sdx.json');
    writeFileSync(config, JSON.stringify({ SDX_DB: join(dir, 'from-file.sqlite'), SDX_DEMO: 1, SDX_PORT: 0, SDX_LOG_LEVEL: 'error' }));
    const child = startSdx(['serve', '--config', config], { ...quiet, SDX_LOG_LEVEL: 'info' });
    try {
      const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/\S+) \(store: (\S+)\)/);
      await fetch(`${url}/healthz`);
      // SDX_LOG_LEVEL=info from the environment beats the file's error: request lines are logged.
      await waitForOutput(child, /"msg":"request"/);
      expect(readFileSync(join(dir, 'from-file.sqlite')).length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
    writeFileSync(config, JSON.stringify({ SDX_PROT: 8080, SDX_DB: { path: 'x' } }));
    const bad = runSdx(['serve', '--config', config], { env: quiet });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`sdx serve: ${config}: unknown setting SDX_PROT`);
    expect(bad.stderr).toContain(`sdx serve: ${config}: SDX_DB must be a string, number or boolean`);
    const missing = runSdx(['serve', '--config', join(dir, 'none.json')], { env: quiet });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`sdx serve: ${join(dir, 'none.json')} cannot be read`);
  });
});

describe('logs, metrics and shutdown of a running service', () => {
  it('logs JSON lines with request ids and route templates, serves Prometheus metrics, and finishes in-flight work on SIGTERM', async () => {
    const dir = tempDir();
    const child = startSdx(['serve', '--port', '0', '--db', join(dir, 'sdx.sqlite'), '--demo'], { ...quiet, SDX_METRICS_TOKEN: 'metrics-secret-token' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/\S+)/);
      const payload = JSON.parse(readFileSync(join(repoRoot, 'templates', 'examples', 'delivery-order.json'), 'utf8')) as unknown;
      const issue = () =>
        fetch(`${url}/api/v1/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json', 'x-request-id': 'req-ops-1' },
          body: JSON.stringify({ kind: 'delivery-order', payload }),
        });
      const first = await issue();
      expect(first.status).toBe(201);
      expect(first.headers.get('x-request-id')).toBe('req-ops-1');
      const { id } = (await first.json()) as { id: string };
      await fetch(`${url}/api/v1/documents/${id}`, { headers: { authorization: `Bearer ${AGENT}`, 'x-request-id': 'bad id with spaces' } });

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/sdx_documents_issued_total\{kind="delivery-order"\} 1/);
      expect(metrics).toMatch(/sdx_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/documents",status="201"\} 1/);
      expect(metrics).toMatch(/sdx_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/documents\/:id",status="200"\} 1/);
      expect(metrics).toMatch(/sdx_pdf_signing_seconds_count\{operation="render-sign"\} 1/);
      expect(metrics).toMatch(/sdx_audit_log_size 1/);
      expect(metrics).toMatch(/sdx_webhook_backlog\{status="pending"\} 0/);
      expect(metrics).toMatch(/sdx_process_resident_memory_bytes \d+/);

      // A request in flight when SIGTERM arrives is answered before the process exits.
      const inFlight = issue();
      await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(201);
      expect(await exitOf(child)).toBe(0);

      const lines = output.split('\n').filter((line) => line.startsWith('{'));
      const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request');
      expect(requests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'info', requestId: 'req-ops-1', method: 'POST', route: '/api/v1/documents', status: 201 }),
          expect.objectContaining({ method: 'GET', route: '/api/v1/documents/:id', status: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
        ]),
      );
      // Route templates, not paths: no document id, key or token reaches the log.
      expect(output).not.toContain(`/documents/${id}`);
      // (The demo banner prints demo keys on purpose; the log lines themselves carry none.)
      for (const line of lines) expect(line).not.toContain(AGENT);
      expect(output).not.toContain('metrics-secret-token');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
