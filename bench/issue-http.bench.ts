// `npm run bench`: issuing through HTTP against issuing in process, same run, same wiring.
//
// In process: a child wires the service exactly as `sdx serve` does (wireApp with the same
// settings, store kind and PDF worker threads) and calls DocumentService.issue (validate, render,
// sign, commit) with IN_FLIGHT calls at a time. Over HTTP: the real `sdx serve --demo` (the same
// compiled code), its log lines going to a file as a deployment's would, loaded over loopback by
// autocannon with IN_FLIGHT connections posting the same D/O. The arms take turns (ROUNDS each) so
// that neither gets the quieter machine.
//
// BENCH_SECONDS (8) per round, BENCH_ROUNDS (3), BENCH_IN_FLIGHT (16), BENCH_PDF_WORKERS (2),
// BENCH_PADES_LEVEL (T: the pipeline bench's level; sdx serve's own default is LT).
// BENCH_CPU_PROF=DIR writes a V8 CPU profile of each server process there.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, closeSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import type { Caller } from '../src/application/document-service';
import { hashApiKey } from '../src/application/api-keys';
import { openConfiguredStore, servicePdfWorkers, wireApp } from '../src/main';
import { defaultPdfWorkerCount } from '../src/adapters/pdf/pdf-worker-pool';
import { settingsOrThrow } from '../src/settings';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const PDF_WORKERS = process.env.BENCH_PDF_WORKERS ?? '2';
const PADES_LEVEL = process.env.BENCH_PADES_LEVEL ?? 'T';
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const ISSUER = 'demo-agent-sha';
const WARM_UP = 24;

/**
 * The settings of both arms. The write limit stays on (its cost is part of the HTTP path), far
 * above what one key sends here.
 */
const serviceEnv = {
  SDX_STORE: 'sqlite',
  SDX_PDF_WORKERS: PDF_WORKERS,
  SDX_PADES_LEVEL: PADES_LEVEL,
  SDX_WRITE_RATE: '1000000',
  SDX_WRITE_BURST: '1000000',
  SDX_LOG_LEVEL: 'info',
  SDX_PUBLIC_URL: 'http://127.0.0.1:8080',
};

const issueInput = () => ({
  kind: 'delivery-order' as const,
  payload: JSON.parse(readFileSync(join(settingsOrThrow({}).paths.templatesDir, 'examples', 'delivery-order.json'), 'utf8')) as unknown,
});

const profileArgs = (name: string) => (PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : []);

interface Round {
  docs: number;
  seconds: number;
  failed: number;
  /** CPU seconds the server process spent (all its threads) while it issued `docs`. */
  serverCpu: number;
  /** CPU seconds the load generator spent (HTTP only). */
  clientCpu: number;
}

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
function processCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The in-process arm, in a child of its own: wired as sdx serve wires, issuing IN_FLIGHT at a time. */
async function inProcess(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-issue-'));
  const settings = settingsOrThrow({ ...serviceEnv, SDX_DB: join(dir, 'sdx.sqlite') });
  const store = await openConfiguredStore(settings);
  const demo = parseDemoParties(JSON.parse(readFileSync(join(settings.paths.certsDir, 'demo-parties.json'), 'utf8')));
  const credentials = await loadDemoParties(store, demo, new Date().toISOString());
  const wired = await wireApp(store, settings, () => undefined, { pdfWorkers: servicePdfWorkers(settings), verifyWorkers: defaultPdfWorkerCount() });
  await wired.audited;
  const apiKey = credentials.find((c) => c.partyId === ISSUER)?.apiKey ?? '';
  const found = await store.findActiveApiKey(hashApiKey(apiKey));
  if (!found) throw new Error(`no API key for ${ISSUER}`);
  const caller: Caller = { partyId: found.user.partyId, userId: found.user.id };
  const input = issueInput();
  const run = async (until: (done: number) => boolean, inFlight: number): Promise<Round> => {
    let docs = 0;
    let failed = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (!until(docs)) {
          await wired.documents.issue(caller, input).then(
            () => (docs += 1),
            () => (failed += 1),
          );
        }
      }),
    );
    return { docs, failed, seconds: (performance.now() - started) / 1000, serverCpu: cpuSeconds(process.cpuUsage(cpu)), clientCpu: 0 };
  };
  await run((done) => done >= WARM_UP, 4);
  const deadline = performance.now() + SECONDS * 1000;
  const round = await run(() => performance.now() >= deadline, IN_FLIGHT);
  await wired.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => process.send?.(round, () => resolve()));
  process.exit(0);
}

function inProcessRound(): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--in-process'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: profileArgs('in-process') });
    child.once('message', (round: Round) => resolve(round));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the in-process arm exited with ${code}`))));
  });
}

/** The HTTP arm: the real `sdx serve --demo`, stdout to a file, loaded over loopback. */
async function httpRound(): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-serve-'));
  const logFile = join(dir, 'serve.log');
  const out = openSync(logFile, 'w');
  const sdx = join(__dirname, '..', 'src', 'cli', 'sdx.js');
  const child = spawn(process.execPath, [...profileArgs('serve'), sdx, 'serve', '--demo', '--port', '0', '--db', join(dir, 'sdx.sqlite')], {
    env: { ...process.env, ...serviceEnv },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  try {
    const started = Date.now();
    let url: string | undefined;
    let apiKey: string | undefined;
    while (!url || !apiKey) {
      if (child.exitCode !== null) throw new Error(`sdx serve exited with ${child.exitCode}`);
      if (Date.now() - started > 60_000) throw new Error('sdx serve did not start within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const log = readFileSync(logFile, 'utf8');
      url = /SDX listening on (http:\/\/\S+)/.exec(log)?.[1];
      apiKey = new RegExp(`^\\s+${ISSUER}\\s+\\S+\\s+(\\S+)$`, 'm').exec(log)?.[1];
    }
    const body = JSON.stringify(issueInput());
    // Like fetch() and most HTTP client libraries, ask for a compressed answer.
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'accept-encoding': 'gzip, deflate, br' };
    const target = `${url}/api/v1/documents`;
    let warm = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (warm < WARM_UP) {
          warm += 1;
          const response = await fetch(target, { method: 'POST', headers, body });
          if (response.status !== 201) throw new Error(`warm-up issue answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
        }
      }),
    );
    const serverCpu = processCpu(child.pid ?? 0);
    const clientCpu = process.cpuUsage();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({ url: target, method: 'POST', headers, body, connections: IN_FLIGHT, duration: SECONDS }, (error, r) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(r),
      );
    });
    const ok = result['2xx'];
    return {
      docs: ok,
      seconds: result.duration,
      failed: result.requests.total - ok + result.errors + result.timeouts,
      serverCpu: processCpu(child.pid ?? 0) - serverCpu,
      clientCpu: cpuSeconds(process.cpuUsage(clientCpu)),
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const inProcessRounds: Round[] = [];
  const httpRounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    inProcessRounds.push(await inProcessRound());
    httpRounds.push(await httpRound());
  }
  const rate = (r: Round) => r.docs / r.seconds;
  const best = (rounds: Round[]) => Math.max(...rounds.map(rate));
  const list = (rounds: Round[]) => rounds.map((r) => rate(r).toFixed(1)).join(', ');
  const perDoc = (rounds: Round[], what: 'serverCpu' | 'clientCpu') =>
    ((1000 * rounds.reduce((sum, r) => sum + r[what], 0)) / rounds.reduce((sum, r) => sum + r.docs, 0)).toFixed(1);
  // Each HTTP round against the in-process round just before it: the machine's load drifts less
  // within a pair than across the run (other work shares these cores).
  const paired = httpRounds.map((r, i) => rate(r) / rate(inProcessRounds[i] as Round)).sort((a, b) => a - b);
  const median = paired.length % 2 === 1 ? (paired[(paired.length - 1) / 2] as number) : ((paired[paired.length / 2 - 1] as number) + (paired[paired.length / 2] as number)) / 2;
  process.stdout.write(
    `\nIssuing a D/O, ${IN_FLIGHT} in flight, PDFs on ${PDF_WORKERS} worker thread(s), PAdES ${PADES_LEVEL}, SQLite, ` +
      `${SECONDS}s x ${ROUNDS} rounds each, ${availableParallelism()} CPUs, node ${process.version}\n` +
      `  in process (DocumentService.issue)   ${best(inProcessRounds).toFixed(1).padStart(7)} docs/s best  (rounds: ${list(inProcessRounds)})\n` +
      `  HTTP through sdx serve (loopback)    ${best(httpRounds).toFixed(1).padStart(7)} docs/s best  (rounds: ${list(httpRounds)})\n` +
      `  HTTP / in process                    ${median.toFixed(2).padStart(7)}x median of paired rounds, ${(best(httpRounds) / best(inProcessRounds)).toFixed(2)}x best to best (aim: >= 0.80x)\n` +
      // What each document costs, whatever else the machine is doing: the rate a CPU-bound machine would reach.
      `  CPU per document: in process ${perDoc(inProcessRounds, 'serverCpu')} ms, sdx serve ${perDoc(httpRounds, 'serverCpu')} ms ` +
      `(+${(Number(perDoc(httpRounds, 'serverCpu')) - Number(perDoc(inProcessRounds, 'serverCpu'))).toFixed(1)} ms), load generator ${perDoc(httpRounds, 'clientCpu')} ms; ` +
      `in process / sdx serve ${(Number(perDoc(inProcessRounds, 'serverCpu')) / Number(perDoc(httpRounds, 'serverCpu'))).toFixed(2)}x\n`,
  );
  const failed = [...inProcessRounds, ...httpRounds].reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) {
    process.stderr.write(`bench failed: ${failed} issues did not succeed\n`);
    process.exitCode = 1;
  }
}

(process.argv[2] === '--in-process' ? inProcess() : main()).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
