// `npm run bench:load`: the mixed load of ./mixed-load.ts on `sdx serve`, BENCH_WARM_UP_SECONDS
// (default 30) unmeasured, then BENCH_SECONDS (default 60) measured. Exits 1 on any error, on a
// server that does not stop cleanly, or when the server's mean RSS in the last quarter of the
// measured run is MAX_RSS_GROWTH or more above the second quarter's.
//
// The server runs with its V8 old space bounded (BENCH_SERVER_HEAP_MB, default 128 MB per isolate;
// 0 for V8's default). V8 sizes the default from the machine's memory (GBs) and grows heaps lazily
// toward it, so RSS then climbs for minutes whatever the live set does; bounded, a flat live set
// shows as flat RSS, and a growing one as growth or an out-of-memory crash within the run.
//
// Then the same mix, for the same time, against a bare express app with the same app-wide
// middleware (./bare-express.server.ts): the ratio per route says what SDX's own work costs.
import { join } from 'node:path';
import { formatReport, loadFailures, runMixedLoad } from './mixed-load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 30);
const HEAP_MB = Number(process.env.BENCH_SERVER_HEAP_MB ?? 128);

async function main(): Promise<void> {
  const report = await runMixedLoad({
    // tsconfig.bench.json compiles src beside bench, so the CLI is at dist-bench/src/cli/sdx.js.
    sdxBin: join(__dirname, '..', 'src', 'cli', 'sdx.js'),
    seconds: SECONDS,
    warmUpSeconds: WARM_UP_SECONDS,
    ...(HEAP_MB > 0 ? { serverHeapMb: HEAP_MB } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  const bare = await runMixedLoad({
    sdxBin: join(__dirname, 'bare-express.server.js'),
    seconds: SECONDS,
    warmUpSeconds: WARM_UP_SECONDS,
    ...(HEAP_MB > 0 ? { serverHeapMb: HEAP_MB } : {}),
    progress: (line) => process.stdout.write(`baseline: ${line}\n`),
  });
  process.stdout.write(`\nbaseline, bare express with the same middleware and fixed answers:\n${formatReport(bare)}\n`);
  process.stdout.write('\nSDX / bare express, same mix, same run:\n');
  for (const route of report.routes) {
    const baseline = bare.routes.find((r) => r.route === route.route);
    if (baseline) process.stdout.write(`${route.route.padEnd(40)} ${ratio(route.perSecond, baseline.perSecond)}\n`);
  }
  process.stdout.write(`${'all routes'.padEnd(40)} ${ratio(report.total.perSecond, bare.total.perSecond)}\n`);
  const failures = [
    ...loadFailures(report, { checkMemory: true }),
    ...report.firstErrors,
    ...loadFailures(bare, { checkMemory: false }).map((failure) => `baseline: ${failure}`),
  ];
  if (failures.length > 0) {
    process.stderr.write(`bench failed:\n  ${failures.join('\n  ')}\n`);
    process.exitCode = 1;
  }
}

function ratio(sdx: number, bare: number): string {
  return `${sdx.toFixed(1).padStart(8)} vs ${bare.toFixed(1).padStart(8)} req/s  ${bare > 0 ? (sdx / bare).toFixed(3) : '-'}x`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
