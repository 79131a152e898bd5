// Restart: the time from wiring the service on an existing SQLite store to its first published tree
// head, on a store of BENCH_RESTART_EVENTS events (1,000,000 by default) beside the same start on an
// empty store, in the same run. The big store is built straight through SqliteStore.commit (the
// commit planner) with stand-in envelopes, then a head is published over it as a server that had
// audited it would have; BENCH_RESTART_AFTER real signed events (issued through the service) follow
// that head, so the start-up check has real work after it. The full audit is not part of the start
// (it runs in the background in the service) and is not run here.
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/restart.bench.js
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import type { DocumentChange } from '../src/application/ports/store.port';
import type { DocumentState } from '../src/domain/document/document';
import { openLogService, wireApp } from '../src/main';
import { settingsOrThrow } from '../src/settings';
import { deliveryOrderState } from '../test/support/document-fixtures';

const EVENTS = Number(process.env.BENCH_RESTART_EVENTS ?? 1_000_000);
const AFTER = Number(process.env.BENCH_RESTART_AFTER ?? 20);
const PER_COMMIT = 1000;
const TIME_LIMIT_S = Number(process.env.BENCH_RESTART_TIME_LIMIT_S ?? 900);
const at = '2026-11-28T09:30:00+08:00';
const settings = settingsOrThrow({ SDX_PUBLIC_URL: 'http://bench.test', SDX_WRITE_RATE: '0' });

/** dist-bench/bench/ at run time. */
const repoRoot = join(__dirname, '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** A D/O's state as the bench stores it: the fixtures' D/O with a fixed payload hash. */
const stateOf = (id: string): DocumentState =>
  deliveryOrderState(id, {
    issuer: 'demo-agent-sha',
    holder: 'demo-consignee',
    participants: [
      { partyId: 'demo-agent-sha', role: 'issuer' },
      { partyId: 'demo-consignee', role: 'consignee' },
    ],
    payloadHash: 'bench',
  });

/**
 * One document with `count` stand-in events (about the size of a signed event's envelope): many
 * events per document keep the build to about a couple of minutes at a million events here; the
 * start-up check does not read them, whatever their number per document.
 */
function batch(first: number, count: number): DocumentChange[] {
  const filler = 'x'.repeat(600);
  const id = `bench-${first}`;
  return [
    {
      documentId: id,
      expectedSeq: 0,
      state: stateOf(id),
      payload: { n: first },
      events: Array.from({ length: count }, (_x, i) => ({ type: 'issue', actor: 'demo-agent-sha', recordedAt: at, envelope: `h.${id}.${i}.${filler}.s` })),
      at,
    },
  ];
}

/** A store with the demo parties and `events` stand-in events under a published head, then AFTER real ones. */
async function prepare(file: string, events: number): Promise<boolean> {
  const store = SqliteStore.open(file);
  await loadDemoParties(store, parseDemoParties(JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8'))), at);
  const started = process.hrtime.bigint();
  for (let size = 0; size < events; size += PER_COMMIT) {
    await store.commit(batch(size, Math.min(PER_COMMIT, events - size)));
    if (seconds(started) > TIME_LIMIT_S) {
      say(`aborted: building the store took over ${TIME_LIMIT_S} s at ${size} events`);
      await store.close();
      return false;
    }
  }
  if (events > 0) say(`built ${events} events in ${seconds(started).toFixed(1)} s (${Math.round(events / seconds(started))} events/s through the planner)`);
  await openLogService(store, settings).currentTreeHead();
  const wired = await wireApp(store, settings, () => undefined, { fullAudit: 'manual' });
  await wired.audited;
  const eir = readFileSync(join(repoRoot, 'templates', 'examples', 'eir.json'), 'utf8');
  for (let i = 0; i < AFTER; i += 1) {
    await wired.documents.issue({ partyId: 'demo-terminal', userId: 'demo-terminal-gate' }, { kind: 'eir', payload: JSON.parse(eir) as unknown });
  }
  await wired.close();
  await store.close();
  return true;
}

/** Seconds from opening the store to the first head served, and how many events the start-up check read. */
async function startToFirstHead(file: string): Promise<{ seconds: number; checked: number; size: number }> {
  const t = process.hrtime.bigint();
  const store = SqliteStore.open(file, { existingOnly: true });
  const wired = await wireApp(store, settings, () => undefined, { fullAudit: 'manual' });
  const state = await wired.audited;
  const head = await wired.log.currentTreeHead();
  const took = seconds(t);
  if (state.state !== 'ok') throw new Error(`the start-up check failed: ${JSON.stringify(state).slice(0, 400)}`);
  await wired.close();
  await store.close();
  return { seconds: took, checked: state.events, size: head.size };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-restart-bench-'));
  try {
    const empty = join(dir, 'empty.sqlite');
    const big = join(dir, 'big.sqlite');
    say(`restart bench: start-to-first-head, a store of ${EVENTS} events beside an empty one (both with ${AFTER} signed events after their last head)`);
    if (!(await prepare(empty, 0)) || !(await prepare(big, EVENTS))) return 1;
    say(`big store: ${(statSync(big).size / 1e6).toFixed(0)} MB`);
    // A start publishes a head, after which the next start would have nothing to check: each
    // measured start runs on a store not started since it was prepared. The first start, on a copy
    // of the empty store, only warms the JIT.
    copyFileSync(empty, join(dir, 'warm.sqlite'));
    await startToFirstHead(join(dir, 'warm.sqlite'));
    const e = await startToFirstHead(empty);
    const b = await startToFirstHead(big);
    say(`empty store: first head (size ${e.size}) after ${(e.seconds * 1000).toFixed(0)} ms, ${e.checked} events checked at start`);
    say(`${EVENTS}-event store: first head (size ${b.size}) after ${(b.seconds * 1000).toFixed(0)} ms, ${b.checked} events checked at start`);
    say(`ratio big/empty: ${(b.seconds / e.seconds).toFixed(2)}x`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
