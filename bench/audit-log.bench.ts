// Audit log in the SQLite store: appends/s for 1,000,000 events committed through SqliteStore.commit
// (each event's leaf, perfect-subtree nodes and frontier written in the commit's transaction), the
// time of an inclusion and a consistency proof read from the store at 1,000 and at 1,000,000 events
// (the ratio should follow log n, not n), and the database size per event.
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/audit-log.bench.js
// BENCH_LOG_EVENTS, BENCH_LOG_PER_COMMIT and BENCH_LOG_TIME_LIMIT_S override the defaults below.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { consistencyProofFromStore, inclusionProofFromStore, rootAtSize } from '../src/application/audit/log-proofs';
import type { DocumentChange, Store } from '../src/application/ports/store.port';
import { leafHash } from '../src/domain/audit-log/merkle-hash';
import { checkConsistency, checkInclusion } from '../src/domain/audit-log/merkle-proofs';
import type { DocumentState } from '../src/domain/document/document';
import { countingReads } from '../test/support/counting-store';
import { seededRandom } from '../test/support/merkle-memory-nodes';
import { deliveryOrderState } from '../test/support/document-fixtures';

const EVENTS = Number(process.env.BENCH_LOG_EVENTS ?? 1_000_000);
const PER_COMMIT = Number(process.env.BENCH_LOG_PER_COMMIT ?? 1000);
const TIME_LIMIT_S = Number(process.env.BENCH_LOG_TIME_LIMIT_S ?? 600);
const EVENTS_PER_DOCUMENT = 2;
const SMALL = 1000;
const PROOFS = 1000;
const PROGRESS_EVERY = 100_000;
const at = '2026-11-28T09:30:00+08:00';

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A D/O's state as the bench stores it: the fixtures' D/O with a fixed payload hash. */
const stateOf = (id: string): DocumentState =>
  deliveryOrderState(id, { payloadHash: 'bench' });

/** One commit: PER_COMMIT / 2 new documents, each issued with two tiny stand-in events. */
function commitBatch(firstDocument: number, documents: number): DocumentChange[] {
  return Array.from({ length: documents }, (_x, i) => {
    const id = `bench-${firstDocument + i}`;
    return {
      documentId: id,
      expectedSeq: 0,
      state: stateOf(id),
      payload: { n: firstDocument + i },
      events: Array.from({ length: EVENTS_PER_DOCUMENT }, (_y, e) => ({
        type: 'issue',
        actor: 'cosco-shipping',
        recordedAt: at,
        envelope: `h.${id}.${e + 1}.s`,
      })),
      at,
    };
  });
}

interface ProofTimes {
  inclusionUs: number;
  consistencyUs: number;
  inclusionReads: number;
  consistencyReads: number;
}

/** Mean time of PROOFS random inclusion and consistency proofs at the log's current size; each checked. */
async function measureProofs(store: Store, size: number): Promise<ProofTimes> {
  const random = seededRandom(size);
  const { rootHash } = await store.logState();
  const indices = Array.from({ length: PROOFS }, () => Math.floor(random() * size));
  const sizes1 = Array.from({ length: PROOFS }, () => 1 + Math.floor(random() * size));

  // Warm-up, untimed, so that the first size measured does not pay for the JIT.
  for (const index of indices.slice(0, 200)) await inclusionProofFromStore(store, index, size);
  for (const size1 of sizes1.slice(0, 200)) await consistencyProofFromStore(store, size1, size);

  const t0 = process.hrtime.bigint();
  const inclusions: Uint8Array[][] = [];
  for (const index of indices) inclusions.push(await inclusionProofFromStore(store, index, size));
  const inclusionUs = (seconds(t0) / PROOFS) * 1e6;
  const t1 = process.hrtime.bigint();
  const consistencies: Uint8Array[][] = [];
  for (const size1 of sizes1) consistencies.push(await consistencyProofFromStore(store, size1, size));
  const consistencyUs = (seconds(t1) / PROOFS) * 1e6;

  // Outside the timed loops: every proof verifies, and how many nodes each read.
  const counted = countingReads(store);
  let inclusionReads = 0;
  let consistencyReads = 0;
  for (const [i, index] of indices.entries()) {
    const [entry] = await store.logEntries(index, index + 1);
    if (!entry) throw new Error(`log entry ${index} is missing`);
    const leaf = leafHash(Buffer.from(entry.envelope, 'utf8'));
    if (!checkInclusion(index, size, leaf, inclusions[i] ?? [], rootHash).ok) throw new Error(`inclusion ${index}/${size} failed`);
    await inclusionProofFromStore(counted.store, index, size);
    inclusionReads = Math.max(inclusionReads, counted.take());
  }
  for (const [i, size1] of sizes1.entries()) {
    const root1 = await rootAtSize(store, size1);
    if (!checkConsistency(size1, size, root1, rootHash, consistencies[i] ?? []).ok) {
      throw new Error(`consistency ${size1}->${size} failed`);
    }
    await consistencyProofFromStore(counted.store, size1, size);
    consistencyReads = Math.max(consistencyReads, counted.take());
  }
  return { inclusionUs, consistencyUs, inclusionReads, consistencyReads };
}

function report(size: number, times: ProofTimes): void {
  say(
    `size ${size}: inclusion proof ${times.inclusionUs.toFixed(1)} µs (max ${times.inclusionReads} node reads), ` +
      `consistency proof ${times.consistencyUs.toFixed(1)} µs (max ${times.consistencyReads} node reads), ` +
      `mean of ${PROOFS}, each read from SQLite and verified`,
  );
}

/** Bytes per table and index, where this SQLite build has the dbstat table. */
function spaceByTable(file: string): Map<string, number> | undefined {
  const raw = new Database(file, { readonly: true });
  try {
    const rows = raw.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as {
      name: string;
      bytes: number;
    }[];
    return new Map(rows.map((row) => [row.name, row.bytes]));
  } catch {
    return undefined;
  } finally {
    raw.close();
  }
}

async function main(): Promise<number> {
  if (EVENTS < SMALL || PER_COMMIT % EVENTS_PER_DOCUMENT !== 0 || SMALL % PER_COMMIT !== 0) {
    say(`BENCH_LOG_EVENTS must be at least ${SMALL} and BENCH_LOG_PER_COMMIT an even divisor of ${SMALL}`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sdx-log-bench-'));
  const file = join(dir, 'sdx.db');
  try {
    say(
      `audit log bench: ${EVENTS} events into a fresh SQLite store ${file}, ${PER_COMMIT} events per commit ` +
        `(${PER_COMMIT / EVENTS_PER_DOCUMENT} new documents x ${EVENTS_PER_DOCUMENT} events), synchronous FULL, WAL`,
    );
    say(
      'events are ~20-byte stand-in envelopes, not signed JWS: this measures the store and the log ' +
        '(documents, events, leaf and node hashing, node and frontier writes), not event signing',
    );
    say(`time limit ${TIME_LIMIT_S} s`);
    const store = SqliteStore.open(file);
    let small: ProofTimes | undefined;
    let size = 0;
    let documents = 0;
    let appendSeconds = 0;
    const started = process.hrtime.bigint();
    while (size < EVENTS) {
      const events = Math.min(PER_COMMIT, EVENTS - size);
      const batch = commitBatch(documents, Math.ceil(events / EVENTS_PER_DOCUMENT));
      const t = process.hrtime.bigint();
      await store.commit(batch);
      appendSeconds += seconds(t);
      documents += batch.length;
      size += batch.length * EVENTS_PER_DOCUMENT;

      if (size === SMALL) {
        small = await measureProofs(store, SMALL);
        report(SMALL, small);
      }
      if (size % PROGRESS_EVERY === 0 || size >= EVENTS) {
        say(`  ${size} events, ${appendSeconds.toFixed(1)} s committing, ${Math.round(size / appendSeconds)} appends/s so far`);
      }
      if (seconds(started) > TIME_LIMIT_S) {
        say(`aborted: over the ${TIME_LIMIT_S} s limit after ${size} of ${EVENTS} events; no figures for the full size`);
        await store.close();
        return 1;
      }
    }
    const state = await store.logState();
    if (state.size !== EVENTS) throw new Error(`log size ${state.size}, expected ${EVENTS}`);
    say(`append: ${EVENTS} events in ${appendSeconds.toFixed(1)} s of commits: ${Math.round(EVENTS / appendSeconds)} appends/s`);

    const large = await measureProofs(store, EVENTS);
    report(EVENTS, large);
    if (small) {
      say(
        `ratio ${EVENTS}/${SMALL}: inclusion ${(large.inclusionUs / small.inclusionUs).toFixed(2)}x, ` +
          `consistency ${(large.consistencyUs / small.consistencyUs).toFixed(2)}x ` +
          `(log2 ratio ${(Math.log2(EVENTS) / Math.log2(SMALL)).toFixed(2)}x, linear would be ${EVENTS / SMALL}x)`,
      );
    }

    await store.close(); // checkpoints the WAL into the file
    const bytes = statSync(file).size;
    say(`store size: ${(bytes / 1e6).toFixed(1)} MB for ${EVENTS} events: ${(bytes / EVENTS).toFixed(1)} bytes/event in all`);
    const tables = spaceByTable(file);
    if (tables) {
      const parts = [...tables].filter(([, b]) => b / EVENTS >= 1).map(([name, b]) => `${name} ${(b / EVENTS).toFixed(1)}`);
      say(`  bytes/event by table and index: ${parts.join(', ')}`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
