// `npm run bench:load`: the mixed load of ./mixed-load.ts on `sdx serve` for BENCH_SECONDS (default
// 60). Exits 1 on any error, on a server that does not stop cleanly, or when the server's RSS in the
// last quarter of the run is MAX_RSS_GROWTH or more above the second quarter's.
import { join } from 'node:path';
import { formatReport, loadFailures, runMixedLoad } from './mixed-load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const HEAP_MB = Number(process.env.BENCH_SERVER_HEAP_MB ?? 128);

async function main(): Promise<void> {
  const report = await runMixedLoad({
    // tsconfig.bench.json compiles src beside bench, so the CLI is at dist-bench/src/cli/sdx.js.
    sdxBin: join(__dirname, '..', 'src', 'cli', 'sdx.js'),
    seconds: SECONDS,
    ...(HEAP_MB > 0 ? { serverHeapMb: HEAP_MB } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  const failures = [...loadFailures(report, { checkMemory: true }), ...report.firstErrors];
  if (failures.length > 0) {
    process.stderr.write(`bench failed:\n  ${failures.join('\n  ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
