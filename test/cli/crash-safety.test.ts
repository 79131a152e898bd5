// Crash safety: `sdx serve` on a SQLite file is killed with SIGKILL at seeded random moments while
// clients issue, transfer, present and release D/Os, then restarted on the same file. After each
// restart every acknowledged request must be there, an unacknowledged one either whole or absent,
// and retrying an unacknowledged issue with its Idempotency-Key must not make a second document.
// `npm test` runs KILLS kills; `npm run test:stress` (SDX_STRESS=1) runs STRESS_KILLS.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { parseDemoParties } from '../../src/application/demo-parties';
import { openEvent } from '../../src/application/events/signed-event';
import type { StoredDocument } from '../../src/application/ports/store.port';
import { equalHashes, leafHash } from '../../src/domain/audit-log/merkle-hash';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { exampleJson, repoRoot } from '../support/examples';
import { seededRandom } from '../support/merkle-memory-nodes';
import type { DocumentBody } from '../http/exchange-client';

const KILLS = process.env.SDX_STRESS ? 60 : 8;
const SEED = 0x5dc0a5e;
/** Clients driving D/Os at once, so that a kill usually lands with several requests in flight. */
const CLIENTS = 4;
/** A kill comes this long after the clients start (seeded, uniform). */
const KILL_AFTER_MS = { min: 20, max: 900 };
const STARTUP_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Bounds the orders a round starts, whatever the timing. */
const MAX_NEW_ORDERS_PER_ROUND = 40;

const API = '/api/v1';
const demo = parseDemoParties(JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8')));
function keyOf(partyId: string): string {
  const key = demo.parties.find((p) => p.party.id === partyId)?.users[0]?.apiKey;
  if (!key) throw new Error(`no demo key for ${partyId}`);
  return key;
}

/** The D/O's life, one request per step; step i leaves the document at sequence i + 1 with `status`. */
const steps = [
  { type: 'issue', party: 'demo-agent-sha', status: 'issued' },
  { type: 'transfer', party: 'demo-consignee', status: 'transferred', body: { type: 'transfer', to: 'demo-forwarder' } },
  { type: 'present', party: 'demo-forwarder', status: 'presented', body: { type: 'present', to: 'demo-terminal' } },
  { type: 'release', party: 'demo-terminal', status: 'released', body: { type: 'release' } },
] as const;

/** What the clients know about one D/O: only what the server acknowledged, and what it left unanswered. */
interface Order {
  idempotencyKey: string;
  number: string;
  id?: string;
  /** Sequence of the last acknowledged step; 0 while the issue has not been acknowledged. */
  acked: number;
  /** Sequence of the step sent when the server died without answering. */
  unanswered?: number;
  busy: boolean;
}

interface Tally {
  acknowledged: number;
  unansweredCommitted: number;
  unansweredAbsent: number;
  issueRetries: number;
}

class Ledger {
  readonly orders: Order[] = [];
  /** Refusals and wrong answers; any entry fails the test. */
  readonly wrong: string[] = [];
  readonly tally: Tally = { acknowledged: 0, unansweredCommitted: 0, unansweredAbsent: 0, issueRetries: 0 };
  private started = 0;

  /** An unfinished order no client is driving, else a new one while the round's cap allows. */
  take(allowNew: boolean): Order | undefined {
    const waiting = this.orders.find((o) => !o.busy && o.acked < steps.length);
    if (waiting) {
      waiting.busy = true;
      return waiting;
    }
    if (!allowNew || this.started >= MAX_NEW_ORDERS_PER_ROUND) return undefined;
    this.started += 1;
    const n = this.orders.length + 1;
    const order: Order = { idempotencyKey: `crash-do-${n}`, number: `DO-CRASH-${String(n).padStart(5, '0')}`, acked: 0, busy: true };
    this.orders.push(order);
    return order;
  }

  newRound(): void {
    this.started = 0;
  }
}

type Answer = { status: number; body: Record<string, unknown> } | 'no-answer';

async function call(base: string, partyId: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const res = await fetch(base + API + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyOf(partyId)}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    // Refused, reset or cut off mid-body: the server never acknowledged this request.
    return 'no-answer';
  }
}

function issueBody(order: Order): unknown {
  const payload = exampleJson('delivery-order');
  payload['deliveryOrderNumber'] = order.number;
  return { kind: 'delivery-order', payload };
}

/** Sends the order's next step; false when the server did not answer (it is dead). */
async function sendNextStep(base: string, order: Order, ledger: Ledger): Promise<boolean> {
  const seq = order.acked + 1;
  const step = steps[seq - 1];
  if (!step) return true;
  order.unanswered = seq;
  const answer =
    step.type === 'issue'
      ? await call(base, step.party, '/documents', issueBody(order), { 'idempotency-key': order.idempotencyKey })
      : await call(base, step.party, `/documents/${order.id}/events`, step.body);
  if (answer === 'no-answer') return false;
  order.unanswered = undefined;
  const view = answer.body as unknown as DocumentBody;
  const expectedStatus = step.type === 'issue' ? 201 : 200;
  if (answer.status !== expectedStatus || view.sequence !== seq || view.status !== step.status || (order.id && view.id !== order.id)) {
    ledger.wrong.push(`${order.number} ${step.type}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    order.acked = steps.length; // stop driving it; the test fails on `wrong`
    return true;
  }
  order.id = view.id;
  order.acked = seq;
  ledger.tally.acknowledged += 1;
  return true;
}

/** One client: drives orders step by step until the server dies or no order is left. */
async function client(base: string, ledger: Ledger, run: { dead: boolean; allowNew: boolean }): Promise<void> {
  while (!run.dead) {
    const order = ledger.take(run.allowNew);
    if (!order) return;
    try {
      while (order.acked < steps.length && !run.dead) {
        if (!(await sendNextStep(base, order, ledger))) run.dead = true;
      }
    } finally {
      order.busy = false;
    }
  }
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

/**
 * PDFs are made on the event loop: a worker pool adds about 0.5 s to each of the many starts, and
 * where a PDF is made does not change what a commit writes. No write rate limit: a 429 is not what
 * this test is about.
 */
async function startServer(db: string): Promise<Server> {
  const child = startSdx(['serve', '--port', '0', '--db', db, '--demo'], { SDX_PDF_WORKERS: '0', SDX_WRITE_RATE: '0', SDX_STORE: '', SDX_MONGO_URI: '' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/, STARTUP_MS);
  return { child, url: String(url), output: () => output };
}

/** Waits for the start-up audit of the stored trail (the same routine as `sdx audit verify`) and returns /healthz. */
async function healthAfterAudit(base: string): Promise<{ status: number; body: { integrity: { state: string } } }> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = (await res.json()) as { integrity: { state: string } };
    if (body.integrity.state !== 'checking' || Date.now() > deadline) return { status: res.status, body };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killed(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * Reads the file directly (a second connection beside the running server) and checks that each
 * document is whole: its sequence is its number of events, the events are the D/O's steps in
 * order and its status follows the last one, every event has its audit-log leaf, every PDF an
 * event names is stored, and the log holds exactly the stored events.
 */
async function storedDocuments(db: string): Promise<{ byNumber: Map<string, StoredDocument[]>; problems: string[] }> {
  const store = SqliteStore.open(db);
  const problems: string[] = [];
  const byNumber = new Map<string, StoredDocument[]>();
  try {
    const documents: StoredDocument[] = [];
    let after: string | undefined;
    do {
      const page = await store.listDocuments({ limit: 200, ...(after === undefined ? {} : { after }) });
      documents.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    let eventCount = 0;
    for (const document of documents) {
      const id = document.state.id;
      const events = await store.listEvents(id);
      eventCount += events.length;
      const number = String((document.payload as Record<string, unknown>)['deliveryOrderNumber']);
      byNumber.set(number, [...(byNumber.get(number) ?? []), document]);
      if (document.seq !== events.length || events.some((e, i) => e.seq !== i + 1)) {
        problems.push(`${id}: sequence ${document.seq}, events ${events.map((e) => e.seq).join(',')}`);
      }
      const types = events.map((e) => e.type).join(',');
      if (types !== steps.slice(0, events.length).map((s) => s.type).join(',') || document.state.status !== steps[events.length - 1]?.status) {
        problems.push(`${id}: status ${document.state.status} after events ${types}`);
      }
      const leaves = await store.logNodes(events.map((e) => ({ level: 0, index: e.logIndex })));
      for (const [i, event] of events.entries()) {
        const leaf = leaves[i];
        if (!leaf || !equalHashes(leaf, leafHash(Buffer.from(event.envelope, 'utf8')))) {
          problems.push(`${id} event ${event.seq}: no matching audit-log leaf at ${event.logIndex}`);
        }
        const pdfSha256 = openEvent(event.envelope).body.data['pdfSha256'];
        if (typeof pdfSha256 !== 'string') continue;
        const blob = await store.getBlob(pdfSha256);
        if (!blob || blob.mediaType !== 'application/pdf' || createHash('sha256').update(blob.bytes).digest('hex') !== pdfSha256) {
          problems.push(`${id} event ${event.seq}: PDF ${pdfSha256} missing or altered`);
        }
      }
    }
    const log = await store.logState();
    if (log.size !== eventCount) problems.push(`the log holds ${log.size} leaves for ${eventCount} stored events`);
  } finally {
    await store.close();
  }
  return { byNumber, problems };
}

/** Compares what the clients were told with what the file holds, and carries on from the file. */
function reconcile(ledger: Ledger, byNumber: Map<string, StoredDocument[]>, problems: string[]): void {
  for (const order of ledger.orders) {
    const found = byNumber.get(order.number) ?? [];
    if (found.length > 1) problems.push(`${order.number}: ${found.length} documents for one Idempotency-Key`);
    const stored = found[0];
    const storedSeq = stored?.seq ?? 0;
    const mayHave = order.acked + (order.unanswered === undefined ? 0 : 1);
    if (storedSeq < order.acked) problems.push(`${order.number}: acknowledged up to ${order.acked}, stored up to ${storedSeq}`);
    if (storedSeq > mayHave) problems.push(`${order.number}: stored up to ${storedSeq}, but only ${mayHave} step(s) were sent`);
    if (order.id !== undefined && stored && stored.state.id !== order.id) problems.push(`${order.number}: acknowledged as ${order.id}, stored as ${stored.state.id}`);
    if (order.unanswered !== undefined) {
      if (storedSeq === order.unanswered) ledger.tally.unansweredCommitted += 1;
      else ledger.tally.unansweredAbsent += 1;
    }
    if (order.acked > 0 && stored) {
      order.acked = Math.max(order.acked, stored.seq);
      order.unanswered = undefined;
    }
  }
}

/**
 * Repeats every unacknowledged issue with its Idempotency-Key: 201 with the document the dead
 * server may already have stored, never a second one.
 */
async function retryIssues(base: string, ledger: Ledger, byNumber: Map<string, StoredDocument[]>): Promise<void> {
  for (const order of ledger.orders.filter((o) => o.acked === 0)) {
    const before = byNumber.get(order.number)?.[0];
    ledger.tally.issueRetries += 1;
    if (!(await sendNextStep(base, order, ledger))) ledger.wrong.push(`${order.number}: no answer to the retried issue`);
    else if (before && order.id !== before.state.id) ledger.wrong.push(`${order.number}: retry answered ${order.id}, stored ${before.state.id}`);
  }
}

describe('sdx serve killed with SIGKILL mid-traffic on a SQLite file', () => {
  it(
    `after ${KILLS} kills at seeded random moments, everything acknowledged is there, nothing half there, and the audit verifies`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sdx-crash-'));
      const db = join(dir, 'sdx.sqlite');
      const random = seededRandom(SEED);
      const ledger = new Ledger();
      let server: Server | undefined;
      try {
        for (let round = 0; round <= KILLS; round += 1) {
          server = await startServer(db);
          const health = await healthAfterAudit(server.url);
          expect({ round, status: health.status, integrity: health.body.integrity.state }).toEqual({ round, status: 200, integrity: 'ok' });

          const { byNumber, problems } = await storedDocuments(db);
          reconcile(ledger, byNumber, problems);
          expect({ round, problems }).toEqual({ round, problems: [] });
          await retryIssues(server.url, ledger, byNumber);
          expect({ round, wrong: ledger.wrong }).toEqual({ round, wrong: [] });
          if (round === KILLS) break;

          ledger.newRound();
          const run = { dead: false, allowNew: true };
          const clients = Array.from({ length: CLIENTS }, () => client(server?.url ?? '', ledger, run));
          const killAfter = KILL_AFTER_MS.min + random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min);
          await new Promise((resolve) => setTimeout(resolve, killAfter));
          await killed(server.child);
          run.dead = true;
          await Promise.all(clients);
          expect({ round, wrong: ledger.wrong }).toEqual({ round, wrong: [] });
        }

        // The last restart: finish every order, then every one is a single released D/O.
        const live = server as Server;
        const run = { dead: false, allowNew: false };
        await Promise.all(Array.from({ length: CLIENTS }, () => client(live.url, ledger, run)));
        expect(ledger.wrong).toEqual([]);
        const { byNumber, problems } = await storedDocuments(db);
        expect(problems).toEqual([]);
        expect(byNumber.size).toBe(ledger.orders.length);
        for (const order of ledger.orders) {
          expect({ number: order.number, stored: (byNumber.get(order.number) ?? []).map((d) => [d.state.id, d.seq]) }).toEqual({
            number: order.number,
            stored: [[order.id, steps.length]],
          });
        }
        expect(live.output()).not.toMatch(/unexpected error/);
        live.child.kill('SIGTERM');
        expect(await exitOf(live.child)).toBe(0);

        const bundle = join(dir, 'bundle.json');
        const exported = runSdx(['audit', 'export', '--db', db, '--out', bundle]);
        expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: '' });
        const verified = runSdx(['audit', 'verify', bundle]);
        expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });

        const { tally } = ledger;
        process.stdout.write(
          `crash safety (seed ${SEED}): ${KILLS} kills, ${ledger.orders.length} D/Os, ${tally.acknowledged} requests acknowledged; ` +
            `unanswered at a kill: ${tally.unansweredCommitted} committed, ${tally.unansweredAbsent} absent; ${tally.issueRetries} issues retried\n`,
        );
      } finally {
        if (server && server.child.exitCode === null && server.child.signalCode === null) await killed(server.child);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    KILLS * 15_000 + 60_000,
  );
});
