// Mixed loopback load on a real `sdx serve` child process: D/O lives (issue, transfer, present,
// release, and a second release the server must refuse), document lists and views, PDFs, public
// verify links and tree heads, all at once. Reports req/s and latency per route and the server's
// RSS, sampled from /proc every second. Used by `npm run bench:load` (mixed-load.bench.ts) and,
// for a few seconds, by test/cli/mixed-load.test.ts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseDemoParties } from '../src/application/demo-parties';
import { settingsOrThrow } from '../src/settings';
import { exitOf, waitForOutput } from '../test/support/built-cli';

export interface MixedLoadOptions {
  /** The compiled `sdx` entry point to run as the server. */
  sdxBin: string;
  seconds: number;
  /**
   * The server's V8 old space per isolate (main thread and each PDF worker), or undefined for V8's
   * default, which is sized from the machine's memory.
   */
  serverHeapMb?: number;
  /**
   * The same mix run first and not measured (errors still count): heaps, caches and the database
   * reach their working size, so that the measured RSS shows growth rather than start-up.
   */
  warmUpSeconds?: number;
  /** Where progress goes (start-up, warm-up); the report is returned, not printed. */
  progress?: (line: string) => void;
}

export interface RouteFigures {
  route: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than the one the route must give. */
  errors: number;
  /** Deliberate refusals answered as they must be (409 already-released). */
  expectedRefusals: number;
}

export interface MixedLoadReport {
  serverHeapMb: number | null;
  warmUpSeconds: number;
  /** Wrong answers, connection errors and timeouts during the warm-up. */
  warmUpErrors: number;
  seconds: number;
  routes: RouteFigures[];
  total: { requests: number; perSecond: number; p50Ms: number; p99Ms: number };
  /** autocannon's connection errors and timeouts, over all routes. */
  connectionErrors: number;
  /** `"level":"error"` lines the server logged (each a 500). */
  serverErrors: number;
  serverExitCode: number | null;
  rss: { samplesMb: number[]; peakMb: number; hwmMb: number; secondQuarterMb: number; lastQuarterMb: number; growth: number; secondHalfSlopeMbPerMin: number };
  /** Over the whole run, warm-up included. */
  documentsIssued: number;
}

/** RSS in the last quarter of the run may exceed the second quarter's by less than this. */
export const MAX_RSS_GROWTH = 0.05;

const API = '/api/v1';
const ISSUER = 'demo-agent-sha';
const STARTUP_MS = 60_000;
/** D/Os issued before the load, for the read routes to look at. */
const READ_DOCUMENTS = 8;
/** Requests per route at most, whatever the speed: every run is bounded in count as well as time. */
const MAX_REQUESTS_PER_ROUTE = 500_000;

/** What a route must answer: a status, and for a deliberate refusal its problem code. */
interface RouteSpec {
  name: string;
  status: number;
  refusalCode?: string;
}

class RouteStats {
  readonly latencies: number[] = [];
  errors = 0;
  expectedRefusals = 0;
  readonly firstErrors: string[] = [];

  constructor(readonly spec: RouteSpec) {}

  record(status: number, body: string, latencyMs: number): void {
    this.latencies.push(latencyMs);
    const { status: wanted, refusalCode } = this.spec;
    if (status === wanted && refusalCode === undefined) return;
    if (status === wanted && body.includes(`"code":"${refusalCode}"`)) {
      this.expectedRefusals += 1;
      return;
    }
    this.errors += 1;
    if (this.firstErrors.length < 3) this.firstErrors.push(`${this.spec.name}: ${status} ${body.slice(0, 200)}`);
  }
}

function mixStats() {
  return {
    issue: new RouteStats({ name: 'POST /documents (issue D/O)', status: 201 }),
    transfer: new RouteStats({ name: 'POST /documents/:id/events transfer', status: 200 }),
    present: new RouteStats({ name: 'POST /documents/:id/events present', status: 200 }),
    release: new RouteStats({ name: 'POST /documents/:id/events release', status: 200 }),
    releaseAgain: new RouteStats({ name: '  release again (409 expected)', status: 409, refusalCode: 'already-released' }),
    list: new RouteStats({ name: 'GET /documents?limit=20', status: 200 }),
    view: new RouteStats({ name: 'GET /documents/:id', status: 200 }),
    pdf: new RouteStats({ name: 'GET /documents/:id/pdf', status: 200 }),
    verify: new RouteStats({ name: 'GET /verify/:id', status: 200 }),
    treeHead: new RouteStats({ name: 'GET /log/tree-head', status: 200 }),
  };
}
type MixStats = ReturnType<typeof mixStats>;

const sumErrors = (stats: MixStats) => Object.values(stats).reduce((sum, s) => sum + s.errors, 0);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

interface Timed {
  sentAt?: number;
  /** The D/O this connection's life loop is at. */
  id?: string;
}

/** The id of an issued document; undefined for a refusal, whose error is already counted. */
function idOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One autocannon request that records its latency and answer in `stats`. The send time is taken
 * when autocannon builds the request, which with one request in flight per connection is when it
 * goes out.
 */
function timedRequest(stats: RouteStats, build: (context: Timed) => autocannon.Request, onBody?: (body: string, context: Timed) => void): autocannon.Request {
  return {
    setupRequest: (request, context) => {
      const timed = context as Timed;
      timed.sentAt = performance.now();
      // autocannon's defaults (host, port) come in `request` and must go back out with it.
      return { ...request, ...build(timed) };
    },
    onResponse: (status, body, context) => {
      const timed = context as Timed;
      stats.record(status, body, performance.now() - (timed.sentAt ?? performance.now()));
      onBody?.(body, timed);
    },
  };
}

/** One autocannon instance, stopped at `seconds` or MAX_REQUESTS_PER_ROUTE, and in any case 15 s later. */
function run(url: string, connections: number, seconds: number, requests: autocannon.Request[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, maxOverallRequests: MAX_REQUESTS_PER_ROUTE, requests }, (error, result) => {
      clearTimeout(guard);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
    const guard = setTimeout(() => instance.stop(), (seconds + 15) * 1000);
  });
}

/** VmRSS and VmHWM of a process in MB, from /proc (Linux). */
function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Least-squares slope of samples taken one second apart, per minute. */
function slopePerMinute(samples: readonly number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const xMean = (n - 1) / 2;
  const yMean = mean(samples);
  let num = 0;
  let den = 0;
  samples.forEach((y, x) => {
    num += (x - xMean) * (y - yMean);
    den += (x - xMean) ** 2;
  });
  return (num / den) * 60;
}

function rssFigures(samplesMb: number[], hwmMb: number): MixedLoadReport['rss'] {
  const n = samplesMb.length;
  const quarter = (q: number) => samplesMb.slice(Math.floor((q * n) / 4), Math.floor(((q + 1) * n) / 4));
  const secondQuarterMb = mean(quarter(1));
  const lastQuarterMb = mean(quarter(3));
  return {
    samplesMb,
    peakMb: Math.max(...samplesMb),
    hwmMb,
    secondQuarterMb,
    lastQuarterMb,
    growth: lastQuarterMb / secondQuarterMb - 1,
    secondHalfSlopeMbPerMin: slopePerMinute(samplesMb.slice(Math.floor(n / 2))),
  };
}

async function startServer(
  sdxBin: string,
  db: string,
  heapMb: number | undefined,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; serverErrors: () => number }> {
  const nodeFlags = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`];
  const child = spawn(process.execPath, [...nodeFlags, sdxBin, 'serve', '--port', '0', '--db', db, '--demo'], {
    // Without the per-key write limit, so that the bench measures the service, not the limiter.
    env: { ...process.env, SDX_WRITE_RATE: '0', SDX_STORE: '', SDX_MONGO_URI: '' },
  });
  let serverErrors = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    serverErrors += chunk.toString('utf8').split('"level":"error"').length - 1;
  });
  const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/, STARTUP_MS);
  return { child, url: String(url), serverErrors: () => serverErrors };
}

/** Runs the mix for `seconds` against a fresh server on a temporary SQLite file, then stops it. */
export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadReport & { firstErrors: string[] }> {
  const say = options.progress ?? (() => undefined);
  const { certsDir, templatesDir } = settingsOrThrow(process.env).paths;
  const demo = parseDemoParties(JSON.parse(readFileSync(join(certsDir, 'demo-parties.json'), 'utf8')));
  const auth = (partyId: string) => {
    const key = demo.parties.find((p) => p.party.id === partyId)?.users[0]?.apiKey;
    if (!key) throw new Error(`demo-parties.json has no API key for ${partyId}`);
    return `Bearer ${key}`;
  };
  const examplePayload = JSON.parse(readFileSync(join(templatesDir, 'examples', 'delivery-order.json'), 'utf8')) as Record<string, unknown>;
  let issued = 0;
  const issueBody = () => {
    issued += 1;
    return JSON.stringify({ kind: 'delivery-order', payload: { ...examplePayload, deliveryOrderNumber: `DO-LOAD-${issued}` } });
  };
  const json = (partyId: string) => ({ authorization: auth(partyId), 'content-type': 'application/json' });

  const dir = mkdtempSync(join(tmpdir(), 'sdx-mixed-load-'));
  const server = await startServer(options.sdxBin, join(dir, 'sdx.sqlite'), options.serverHeapMb);
  try {
    say(`server ${server.url} (pid ${server.child.pid}); issuing ${READ_DOCUMENTS} D/Os for the read routes`);
    const ids: string[] = [];
    // Two at a time, so that both PDF workers load their fonts before anything is measured.
    for (let i = 0; i < READ_DOCUMENTS; i += 2) {
      const answers = await Promise.all(
        [0, 1].map(() => fetch(`${server.url}${API}/documents`, { method: 'POST', headers: json(ISSUER), body: issueBody(), signal: AbortSignal.timeout(30_000) })),
      );
      for (const res of answers) {
        const body = (await res.json()) as { id?: string };
        if (res.status !== 201 || !body.id) throw new Error(`issuing a D/O for the read routes answered ${res.status}`);
        ids.push(body.id);
      }
    }
    let next = 0;
    const someId = () => ids[(next += 1) % ids.length] as string;
    const action = (partyId: string, body: unknown) => (context: Timed): autocannon.Request => ({
      method: 'POST',
      path: `${API}/documents/${context.id ?? 'missing'}/events`,
      headers: json(partyId),
      body: JSON.stringify(body),
    });
    const get = (partyId: string | undefined, path: () => string) => (): autocannon.Request => ({
      method: 'GET',
      path: path(),
      headers: partyId ? { authorization: auth(partyId) } : {},
    });
    const drive = (seconds: number, stats: MixStats) =>
      Promise.all([
        // A D/O's whole life per loop: issued, passed on, presented, released, and refused a second release.
        run(server.url, 2, seconds, [
          timedRequest(stats.issue, () => ({ method: 'POST', path: `${API}/documents`, headers: json(ISSUER), body: issueBody() }), (body, context) => {
            context.id = idOf(body);
          }),
          timedRequest(stats.transfer, action('demo-consignee', { type: 'transfer', to: 'demo-forwarder' })),
          timedRequest(stats.present, action('demo-forwarder', { type: 'present', to: 'demo-terminal' })),
          timedRequest(stats.release, action('demo-terminal', { type: 'release' })),
          timedRequest(stats.releaseAgain, action('demo-terminal', { type: 'release' })),
        ]),
        run(server.url, 1, seconds, [timedRequest(stats.list, get('demo-consignee', () => `${API}/documents?limit=20`))]),
        run(server.url, 1, seconds, [timedRequest(stats.view, get('demo-consignee', () => `${API}/documents/${someId()}`))]),
        run(server.url, 1, seconds, [timedRequest(stats.pdf, get('demo-consignee', () => `${API}/documents/${someId()}/pdf`))]),
        run(server.url, 1, seconds, [timedRequest(stats.verify, get(undefined, () => `/verify/${someId()}`))]),
        run(server.url, 1, seconds, [timedRequest(stats.treeHead, get('demo-auditor', () => `${API}/log/tree-head`))]),
      ]);

    const warmUpSeconds = options.warmUpSeconds ?? 0;
    const warmUp = mixStats();
    let warmUpErrors = 0;
    if (warmUpSeconds > 0) {
      say(`the same mix for ${warmUpSeconds} s of warm-up (not measured)`);
      const warmResults = await drive(warmUpSeconds, warmUp);
      warmUpErrors = sumErrors(warmUp) + warmResults.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
    }

    const stats = mixStats();
    const samplesMb: number[] = [];
    const pid = server.child.pid ?? 0;
    const sampler = setInterval(() => samplesMb.push(memoryOf(pid).rssMb), 1000);
    say(`mixed load for ${options.seconds} s`);
    const results = await drive(options.seconds, stats);
    clearInterval(sampler);
    const { hwmMb } = memoryOf(pid);

    // autocannon hangs up on the requests still running when a run ends; let the server finish them.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const serverErrors = server.serverErrors();
    server.child.kill('SIGTERM');
    const serverExitCode = await exitOf(server.child, 30_000);

    const duration = Math.max(...results.map((r) => r.duration));
    const routes = Object.values(stats).map((s): RouteFigures => {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      return {
        route: s.spec.name,
        requests: sorted.length,
        perSecond: round1(sorted.length / duration),
        p50Ms: round1(percentile(sorted, 50)),
        p99Ms: round1(percentile(sorted, 99)),
        errors: s.errors,
        expectedRefusals: s.expectedRefusals,
      };
    });
    const all = Object.values(stats).flatMap((s) => s.latencies).sort((a, b) => a - b);
    return {
      serverHeapMb: options.serverHeapMb ?? null,
      warmUpSeconds,
      warmUpErrors,
      seconds: round1(duration),
      routes,
      total: { requests: all.length, perSecond: round1(all.length / duration), p50Ms: round1(percentile(all, 50)), p99Ms: round1(percentile(all, 99)) },
      connectionErrors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      serverErrors,
      serverExitCode,
      rss: rssFigures(samplesMb, hwmMb),
      documentsIssued: issued,
      firstErrors: [...Object.values(warmUp), ...Object.values(stats)].flatMap((s) => s.firstErrors),
    };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why the run fails: errors of any kind, a server that did not stop cleanly, or (when asked) memory that grew. */
export function loadFailures(report: MixedLoadReport, options: { checkMemory: boolean }): string[] {
  const failures: string[] = [];
  const errors = report.routes.reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) failures.push(`${errors} unexpected answers`);
  if (report.warmUpErrors > 0) failures.push(`${report.warmUpErrors} errors during the warm-up`);
  if (report.connectionErrors > 0) failures.push(`${report.connectionErrors} connection errors or timeouts`);
  if (report.serverErrors > 0) failures.push(`${report.serverErrors} unexpected server errors logged`);
  if (report.serverExitCode !== 0) failures.push(`the server exited with ${report.serverExitCode} on SIGTERM`);
  if (options.checkMemory && !(report.rss.growth < MAX_RSS_GROWTH)) {
    failures.push(`RSS grew ${(report.rss.growth * 100).toFixed(1)}% from the second quarter to the last (bound ${MAX_RSS_GROWTH * 100}%)`);
  }
  return failures;
}

export function formatReport(report: MixedLoadReport): string {
  const lines = report.routes.map(
    (r) =>
      `${r.route.padEnd(40)} ${r.perSecond.toFixed(1).padStart(8)} req/s  p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms  ` +
      `(${r.requests} requests, ${r.errors} errors${r.expectedRefusals > 0 ? `, ${r.expectedRefusals} refused as expected` : ''})`,
  );
  const { rss, total } = report;
  return [
    `mixed load over loopback for ${report.seconds} s${report.warmUpSeconds > 0 ? ` after ${report.warmUpSeconds} s of warm-up` : ''}, ` +
      `server old space ${report.serverHeapMb === null ? 'V8 default' : `${report.serverHeapMb} MB`} per isolate, ` +
      `node ${process.version}, load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
    ...lines,
    `${'all routes'.padEnd(40)} ${total.perSecond.toFixed(1).padStart(8)} req/s  p50 ${total.p50Ms.toFixed(1).padStart(6)} ms  p99 ${total.p99Ms.toFixed(1).padStart(7)} ms  (${total.requests} requests)`,
    `D/Os issued: ${report.documentsIssued}; connection errors/timeouts: ${report.connectionErrors}; warm-up errors: ${report.warmUpErrors}; ` +
      `server errors logged: ${report.serverErrors}; exit on SIGTERM: ${report.serverExitCode}`,
    `server RSS: peak ${rss.peakMb.toFixed(1)} MB (VmHWM ${rss.hwmMb.toFixed(1)} MB), 2nd quarter mean ${rss.secondQuarterMb.toFixed(1)} MB, ` +
      `last quarter mean ${rss.lastQuarterMb.toFixed(1)} MB (${(rss.growth * 100).toFixed(1)}%), 2nd-half slope ${rss.secondHalfSlopeMbPerMin.toFixed(1)} MB/min`,
  ].join('\n');
}
