// `npm run bench:verify`: `sdx verify` as a tool, beside the baselines measured in the same run.
// 1. Start-up: one `sdx verify FILE` against a bare `node -e 0` (and a `pdfsig FILE`), median wall
//    time of BENCH_STARTS runs each, taken in turns so that a change in the machine's load hits all alike.
// 2. An archive: `sdx verify FOLDER` (and with --json) over BENCH_VERIFY_FILES (default 1,000) signed
//    PDFs against a shell loop of `pdfsig` over the same files.
// BENCH_VERIFY_BASELINE=path/to/other/dist/cli/sdx.js measures another build (e.g. main's) in the same
// turns, for before/after figures from one run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const FILES = Number(process.env.BENCH_VERIFY_FILES ?? 1000);
const STARTS = Number(process.env.BENCH_STARTS ?? 15);
const sdx = join(__dirname, '..', 'src', 'cli', 'sdx.js');
const baseline = process.env.BENCH_VERIFY_BASELINE;

interface Run {
  seconds: number;
  stdout: string;
}

/** Wall seconds of one command; throws when it fails to start or exits with another code than `okCodes`. */
function run(command: string, args: string[], okCodes: readonly number[] = [0], env: NodeJS.ProcessEnv = process.env): Run {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status ?? -1)) throw new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${result.status}: ${result.stderr}`);
  return { seconds, stdout: result.stdout };
}

const wall = (command: string, args: string[], okCodes?: readonly number[], env?: NodeJS.ProcessEnv): number => run(command, args, okCodes, env).seconds;

// Node reads the file NODE_EXTRA_CA_CERTS names at every start (~40 ms on a sandbox that sets it),
// which lengthens the bare start and so flatters the ratio; where it is set, both are also timed without it.
const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;
const envWithoutExtraCerts = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Median wall seconds of each command, run in turns STARTS times. */
function inTurns(commands: Record<string, () => number>): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < STARTS; i += 1) for (const [name, command] of Object.entries(commands)) times[name]?.push(command());
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'sdx-verify-bench-'));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0).padStart(6)} ms`;
  try {
    const demo = join(work, 'demo');
    wall(process.execPath, [sdx, 'demo', '--out', demo]);
    const one = join(demo, 'eir.pdf');
    const signatures = (JSON.parse(run(process.execPath, [sdx, 'verify', one, '--json']).stdout) as { signatures: unknown[] }).signatures.length;
    const pdfsig = spawnSync('pdfsig', ['-v']).error ? undefined : 'pdfsig';

    out(`sdx verify, node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(1)}; median of ${STARTS} starts, in turns`);
    const starts = inTurns({
      bare: () => wall(process.execPath, ['-e', '0']),
      verify: () => wall(process.execPath, [sdx, 'verify', one]),
      ...(baseline ? { baseline: () => wall(process.execPath, [baseline, 'verify', one]) } : {}),
      ...(extraCaCerts
        ? {
            bareNoCa: () => wall(process.execPath, ['-e', '0'], [0], envWithoutExtraCerts),
            verifyNoCa: () => wall(process.execPath, [sdx, 'verify', one], [0], envWithoutExtraCerts),
          }
        : {}),
      // pdfsig exits non-zero for an untrusted issuer; only its time is measured.
      ...(pdfsig ? { pdfsig: () => wall(pdfsig, [one], [0, 1, 2, 3, 4]) } : {}),
    });
    const bare = starts.bare as number;
    const verifyOne = starts.verify as number;
    out(`node -e 0                                ${ms(bare)}`);
    out(`sdx verify FILE (${signatures} signatures)          ${ms(verifyOne)}  ${(verifyOne / bare).toFixed(2)}x node start (aim: at most 2x)`);
    if (starts.baseline !== undefined) out(`baseline sdx verify FILE                 ${ms(starts.baseline)}  ${(starts.baseline / bare).toFixed(2)}x node start; this build takes ${(verifyOne / starts.baseline).toFixed(2)}x its time`);
    if (starts.bareNoCa !== undefined && starts.verifyNoCa !== undefined) {
      out(`without NODE_EXTRA_CA_CERTS (set here to ${extraCaCerts}):`);
      out(`  node -e 0                              ${ms(starts.bareNoCa)}`);
      out(`  sdx verify FILE                        ${ms(starts.verifyNoCa)}  ${(starts.verifyNoCa / starts.bareNoCa).toFixed(2)}x node start`);
    }
    if (starts.pdfsig !== undefined) out(`pdfsig FILE                              ${ms(starts.pdfsig)}  sdx takes ${(verifyOne / starts.pdfsig).toFixed(1)}x pdfsig's time`);

    const archive = join(work, 'archive');
    const kinds = ['delivery-order', 'eir', 'telex-release-guarantee'];
    mkdirSync(archive);
    for (let i = 0; i < FILES; i += 1) {
      const kind = kinds[i % kinds.length] as string;
      copyFileSync(join(demo, `${kind}.pdf`), join(archive, `${String(i).padStart(5, '0')}-${kind}.pdf`));
    }
    const text = run(process.execPath, [sdx, 'verify', archive]);
    const json = run(process.execPath, [sdx, 'verify', archive, '--json']);
    // The many-files mode must still say something about every file, or its speed means nothing.
    const lines = (stdout: string) => stdout.split('\n').filter((line) => line !== '').length;
    if (lines(text.stdout) !== FILES + 1 || lines(json.stdout) !== FILES) throw new Error(`sdx verify FOLDER printed ${lines(text.stdout)} lines (--json: ${lines(json.stdout)}) for ${FILES} files`);
    const loop = pdfsig ? wall('bash', ['-c', `for f in "$1"/*.pdf; do pdfsig "$f" >/dev/null 2>&1; done; true`, 'loop', archive]) : undefined;
    const baselineAll = baseline ? wall(process.execPath, [baseline, 'verify', archive]) : undefined;
    const rate = (seconds: number) => `${seconds.toFixed(2).padStart(7)} s  ${(FILES / seconds).toFixed(1).padStart(6)} files/s`;
    const vsLoop = (seconds: number) => (loop === undefined ? '' : `  ${(loop / seconds).toFixed(2)}x the pdfsig loop's speed`);
    out(`sdx verify FOLDER (${FILES} files)        ${rate(text.seconds)}${vsLoop(text.seconds)}`);
    out(`sdx verify FOLDER --json                ${rate(json.seconds)}${vsLoop(json.seconds)}`);
    if (baselineAll !== undefined) out(`baseline sdx verify FOLDER              ${rate(baselineAll)}${vsLoop(baselineAll)}`);
    if (loop !== undefined) out(`for f in FOLDER/*.pdf; do pdfsig; done   ${rate(loop)}`);
    else out('pdfsig is not installed: no baseline for the archive lines');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
