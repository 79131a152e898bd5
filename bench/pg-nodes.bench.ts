// `npm run bench`, PostgreSQL part: D/O issue throughput with 1, 2 and 3 `sdx serve` nodes on one
// PostgreSQL database, beside one node on SQLite, in one run (the SQLite node is the baseline).
// Each configuration issues BENCH_PG_ISSUES D/Os (default 300), BENCH_PG_INFLIGHT at a time (24),
// round robin over its nodes, each on a fresh store. Needs SDX_TEST_PG_URL (a role with CREATEDB);
// without it this part says so and is skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, dropDatabase } from '../test/support/pg-admin';

const ISSUES = Number(process.env.BENCH_PG_ISSUES ?? 300);
const IN_FLIGHT = Number(process.env.BENCH_PG_INFLIGHT ?? 24);
const root = join(__dirname, '..', '..');
const sdx = join(__dirname, '..', 'src', 'cli', 'sdx.js');
const demo = JSON.parse(readFileSync(join(root, 'certs-dev', 'demo-parties.json'), 'utf8')) as {
  parties: { party: { id: string }; users: { apiKey: string }[] }[];
};
const apiKey = demo.parties.find((p) => p.party.id === 'demo-agent-sha')?.users[0]?.apiKey ?? '';
const example = JSON.parse(readFileSync(join(root, 'templates', 'examples', 'delivery-order.json'), 'utf8')) as Record<string, unknown>;

async function startNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [sdx, 'serve', '--port', '0', '--demo', ...args], {
    // The write limit (one for all nodes on PostgreSQL) would cap what is measured; SDX_WRITE_RATE sets one to weigh its cost.
    env: { ...process.env, SDX_PDF_WORKERS: '1', SDX_STORE: '', SDX_WRITE_RATE: process.env.SDX_WRITE_RATE || '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${seen.slice(-500)}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const match = /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ url: String(match[1]), child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Issues ISSUES D/Os over the nodes and answers issues per second. */
async function drive(urls: readonly string[], label: string): Promise<number> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ISSUES) {
      const n = next++;
      const payload = { ...example, deliveryOrderNumber: `DO-BENCH-${label}-${n}-${randomBytes(3).toString('hex')}` };
      const res = await fetch(`${urls[n % urls.length] ?? ''}/api/v1/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'delivery-order', payload }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (failed > 0) throw new Error(`${label}: ${failed} of ${ISSUES} issues failed`);
  return ISSUES / seconds;
}

async function main(): Promise<void> {
  const pgUrl = process.env.SDX_TEST_PG_URL;
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-pg-'));
  const results: { label: string; perSecond: number }[] = [];
  try {
    const sqlite = await startNode(['--db', join(dir, 'sdx.sqlite')], {});
    try {
      results.push({ label: '1 node, SQLite', perSecond: await drive([sqlite.url], 'sqlite') });
    } finally {
      await stop(sqlite.child);
    }
    if (!pgUrl) {
      process.stdout.write('skipping the PostgreSQL figures: set SDX_TEST_PG_URL (a role with CREATEDB)\n');
    }
    for (const nodes of pgUrl ? [1, 2, 3] : []) {
      const name = `sdx_bench_${randomBytes(6).toString('hex')}`;
      await adminQuery(pgUrl ?? '', `CREATE DATABASE ${name}`);
      const url = new URL(pgUrl ?? '');
      url.pathname = `/${name}`;
      const started = await Promise.all(Array.from({ length: nodes }, () => startNode(['--store', 'postgres'], { SDX_PG_URL: url.toString() })));
      try {
        results.push({ label: `${nodes} node${nodes > 1 ? 's' : ''}, PostgreSQL`, perSecond: await drive(started.map((s) => s.url), `pg${nodes}`) });
      } finally {
        await Promise.all(started.map((s) => stop(s.child)));
        await dropDatabase(pgUrl ?? '', name);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = results[0]?.perSecond ?? 1;
  process.stdout.write(`\nD/O issue throughput (${ISSUES} issues, ${IN_FLIGHT} in flight, 1 PDF worker per node)\n`);
  for (const r of results) process.stdout.write(`  ${r.label.padEnd(22)} ${r.perSecond.toFixed(1).padStart(7)} issues/s  ${(r.perSecond / base).toFixed(2)}x SQLite\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
