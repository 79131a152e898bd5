// `npm run bench`, second part: HTTP load on the real app over loopback. A child process runs the
// app (wireApp on a temp SQLite file with the demo parties, PDFs on BENCH_PDF_WORKERS threads,
// default 2) so that the load generator does not share its event loop; this process drives it with
// autocannon: (a) issuing D/Os, (b) GET /verify/:id, (c) GET /verify/:id while D/Os are issued.
// Every run is bounded in time (BENCH_SECONDS, default 10) and in requests.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import { wireApp } from '../src/main';
import { settingsOrThrow } from '../src/settings';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PDF_WORKERS = Number(process.env.BENCH_PDF_WORKERS ?? 2);
const ISSUER = 'demo-agent-sha';

type FromServer = { type: 'listening'; url: string; apiKey: string } | { type: 'closed'; unexpected: number };

/** The child: the app on 127.0.0.1:0 until the parent says stop. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-http-'));
  const store = SqliteStore.open(join(dir, 'sdx.sqlite'));
  const { certsDir } = settingsOrThrow(process.env).paths;
  const demo = parseDemoParties(JSON.parse(readFileSync(join(certsDir, 'demo-parties.json'), 'utf8')));
  const credentials = await loadDemoParties(store, demo, new Date().toISOString());
  let unexpected = 0;
  const wired = await wireApp(
    store,
    // The per-key write limit (20/s by default) would answer most of the load 429: it is not what is measured here.
    settingsOrThrow({ ...process.env, SDX_PUBLIC_URL: 'http://127.0.0.1:8080', SDX_WRITE_RATE: '0' }),
    (level, message, fields) => {
      if (level !== 'error') return;
      unexpected += 1;
      if (unexpected <= 5) process.stderr.write(`server: ${message} ${JSON.stringify(fields ?? {})}\n`);
    },
    { pdfWorkers: PDF_WORKERS },
  );
  const server = wired.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  const apiKey = credentials.find((c) => c.partyId === ISSUER)?.apiKey;
  if (!apiKey) throw new Error(`demo-parties.json has no API key for ${ISSUER}`);
  const send = (message: FromServer) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));
  // Without the parent (it was killed), nobody will ask this server to stop.
  process.once('disconnect', () => process.exit(1));
  process.once('message', () => {
    // Counted before closing: requests still running when the pool closes fail by design.
    const unexpectedDuringLoad = unexpected;
    server.closeAllConnections();
    server.close(() => {
      void wired
        .close()
        .then(() => store.close())
        .then(() => rmSync(dir, { recursive: true, force: true }))
        .then(() => send({ type: 'closed', unexpected: unexpectedDuringLoad }))
        .then(() => process.exit(0));
    });
  });
  await send({ type: 'listening', url: `http://127.0.0.1:${port}`, apiKey });
}

function nextMessage(child: ChildProcess, timeoutMs: number): Promise<FromServer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bench server did not answer within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (message: FromServer) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench server exited with ${code}`));
    });
  });
}

interface Line {
  name: string;
  result: autocannon.Result;
}

/** One autocannon run, stopped at `maxRequests` or SECONDS, and in any case SECONDS + 15 s. */
function load(name: string, options: autocannon.Options & { maxRequests: number }): Promise<Line> {
  return new Promise((resolve, reject) => {
    const { maxRequests, ...rest } = options;
    const instance = autocannon({ ...rest, duration: SECONDS, maxOverallRequests: maxRequests }, (error, result) => {
      clearTimeout(guard);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ name, result });
    });
    const guard = setTimeout(() => instance.stop(), (SECONDS + 15) * 1000);
  });
}

async function main(): Promise<void> {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage(child, 60_000);
    if (ready.type !== 'listening') throw new Error('the bench server did not start');
    const { templatesDir } = settingsOrThrow(process.env).paths;
    const issueBody = JSON.stringify({
      kind: 'delivery-order',
      payload: JSON.parse(readFileSync(join(templatesDir, 'examples', 'delivery-order.json'), 'utf8')),
    });
    const headers = { authorization: `Bearer ${ready.apiKey}`, 'content-type': 'application/json' };

    const first = await fetch(`${ready.url}/api/v1/documents`, { method: 'POST', headers, body: issueBody });
    const issued = (await first.json()) as { id?: string };
    if (first.status !== 201 || !issued.id) throw new Error(`issuing the first D/O answered ${first.status}`);
    const verifyUrl = `${ready.url}/verify/${issued.id}`;

    // Warm-up, so that no line measures first-run compilation or cold font caches in the workers.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 5; i += 1) {
          const response = await fetch(`${ready.url}/api/v1/documents`, { method: 'POST', headers, body: issueBody });
          if (response.status !== 201) throw new Error(`warm-up issue answered ${response.status}`);
          await fetch(verifyUrl).then((r) => r.arrayBuffer());
        }
      }),
    );

    const issue: autocannon.Options = { url: `${ready.url}/api/v1/documents`, method: 'POST', headers, body: issueBody };
    const lines: Line[] = [];
    lines.push(await load('POST /api/v1/documents (issue a D/O), 8 connections', { ...issue, connections: 8, maxRequests: 2000 }));
    lines.push(await load('GET /verify/:id, 16 connections', { url: verifyUrl, connections: 16, maxRequests: 20000 }));
    // Whether reads stay quick while documents are rendered and signed: the event loop at work.
    lines.push(
      ...(await Promise.all([
        load('GET /verify/:id, 4 connections, while issuing', { url: verifyUrl, connections: 4, maxRequests: 20000 }),
        load('  POST /api/v1/documents alongside, 8 connections', { ...issue, connections: 8, maxRequests: 2000 }),
      ])),
    );

    // autocannon hangs up on the requests still running when a run ends; let the server finish them.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.send('stop');
    const closed = await nextMessage(child, 30_000);

    process.stdout.write(
      `\nHTTP load over loopback, ${SECONDS}s or the request cap per line, PDFs on ${PDF_WORKERS} worker thread(s), ` +
        `${availableParallelism()} CPUs, node ${process.version}\n`,
    );
    let failures = 0;
    for (const { name, result } of lines) {
      const rps = result.requests.total / result.duration;
      const bad = result.non2xx + result.errors + result.timeouts;
      failures += bad;
      process.stdout.write(
        `${name.padEnd(56)} ${rps.toFixed(1).padStart(8)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ` +
          `(${result.requests.total} requests, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})\n`,
      );
    }
    const unexpected = closed.type === 'closed' ? closed.unexpected : -1;
    process.stdout.write(`unexpected server errors: ${unexpected}\n`);
    if (failures > 0 || unexpected !== 0) {
      process.stderr.write('bench failed: every request must answer 2xx with no unexpected server error\n');
      process.exitCode = 1;
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

(process.argv[2] === '--serve' ? serve() : main()).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
