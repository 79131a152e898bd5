// `npm run bench:verify`: `sdx verify` as a tool, beside the baselines measured in the same run.
// 1. Start-up: one `sdx verify FILE` against a bare `node -e 0` and a `pdfsig FILE`, median wall time.
// 2. An archive: `sdx verify FOLDER` over BENCH_VERIFY_FILES (default 1,000) signed PDFs against a
//    shell loop of `pdfsig` over the same files.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const FILES = Number(process.env.BENCH_VERIFY_FILES ?? 1000);
const STARTS = Number(process.env.BENCH_STARTS ?? 7);
const sdx = join(__dirname, '..', 'src', 'cli', 'sdx.js');

/** Wall seconds of one command; throws when it fails to start or exits with another code than `okCodes`. */
function wall(command: string, args: string[], okCodes: readonly number[] = [0]): number {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status ?? -1)) throw new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'sdx-verify-bench-'));
  try {
    const demo = join(work, 'demo');
    wall(process.execPath, [sdx, 'demo', '--out', demo]);
    const one = join(demo, 'eir.pdf');
    const pdfsig = spawnSync('pdfsig', ['-v']).error ? undefined : 'pdfsig';

    const bare = median(Array.from({ length: STARTS }, () => wall(process.execPath, ['-e', '0'])));
    const verifyOne = median(Array.from({ length: STARTS }, () => wall(process.execPath, [sdx, 'verify', one])));
    const pdfsigOne = pdfsig ? median(Array.from({ length: STARTS }, () => wall(pdfsig, [one], [0, 1, 2, 3, 4]))) : undefined;

    const archive = join(work, 'archive');
    const kinds = ['delivery-order', 'eir', 'telex-release-guarantee'];
    spawnSync('mkdir', ['-p', archive]);
    for (let i = 0; i < FILES; i += 1) {
      const kind = kinds[i % kinds.length] as string;
      copyFileSync(join(demo, `${kind}.pdf`), join(archive, `${String(i).padStart(5, '0')}-${kind}.pdf`));
    }
    const verifyAll = wall(process.execPath, [sdx, 'verify', archive]);
    // pdfsig exits non-zero for an untrusted issuer; the loop's status is not what is measured.
    const loop = pdfsig ? wall('bash', ['-c', `for f in "$1"/*.pdf; do pdfsig "$f" >/dev/null 2>&1; done; true`, 'loop', archive]) : undefined;

    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`sdx verify, node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(1)}; median of ${STARTS} starts`);
    out(`node -e 0                                 ${(bare * 1000).toFixed(0).padStart(6)} ms`);
    out(`sdx verify FILE (2 signatures)            ${(verifyOne * 1000).toFixed(0).padStart(6)} ms  ${(verifyOne / bare).toFixed(2)}x node start`);
    if (pdfsigOne !== undefined) out(`pdfsig FILE                               ${(pdfsigOne * 1000).toFixed(0).padStart(6)} ms  sdx is ${(verifyOne / pdfsigOne).toFixed(1)}x pdfsig`);
    out(`sdx verify FOLDER (${FILES} files)           ${verifyAll.toFixed(2).padStart(7)} s  ${(FILES / verifyAll).toFixed(1)} files/s`);
    if (loop !== undefined) {
      out(`for f in FOLDER/*.pdf; do pdfsig "$f"; done ${loop.toFixed(2).padStart(7)} s  ${(FILES / loop).toFixed(1)} files/s  sdx runs at ${(loop / verifyAll).toFixed(2)}x the loop's speed`);
    } else {
      out('pdfsig is not installed: no baseline for the archive line');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
