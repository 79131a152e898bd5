// `npm run bench`, store line: BENCH_SEARCH_DOCUMENTS (default 100,000) documents of mixed kinds
// written straight through SqliteStore.commit, then p50/p99 of searches in the store and through
// the real app over loopback (GET /api/v1/documents as the agent, and the agent's desk page with its
// three worklists, signed in), with GET /healthz measured in the same run as the baseline. Every
// loop is bounded in count.
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/document-search.bench.js
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import type { DocumentChange, DocumentQuery } from '../src/application/ports/store.port';
import { normaliseKeyValue } from '../src/domain/document/business-keys';
import type { DocumentKind, DocumentState, Participant } from '../src/domain/document/document';
import { containerCheckDigit } from '../src/domain/shared/iso6346';
import { wireApp } from '../src/main';
import { settingsOrThrow } from '../src/settings';

const examples = Object.fromEntries(
  (['eir', 'delivery-order', 'telex-release-guarantee'] as const).map((kind) => [kind, JSON.parse(readFileSync(join(settingsOrThrow(process.env).paths.templatesDir, 'examples', `${kind}.json`), 'utf8')) as Record<string, unknown>]),
) as Record<DocumentKind, Record<string, unknown>>;

const DOCUMENTS = Number(process.env.BENCH_SEARCH_DOCUMENTS ?? 100_000);
const PER_COMMIT = 1_000;
const SAMPLES = 200;
const AGENT = 'demo-agent-sha';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function container(serial: number): string {
  const firstTen = `TGHU${String(serial % 1_000_000).padStart(6, '0')}`;
  return `${firstTen}${containerCheckDigit(firstTen) ?? 0}`;
}

const bl = (n: number) => `POCL26${String(Math.floor(n / 3)).padStart(8, '0')}`;

/** Document n: two D/Os for every EIR and guarantee, about a third each of several statuses. */
function documentOf(n: number): DocumentChange {
  const id = `bench-${n}`;
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  const kind: DocumentKind = n % 4 === 3 ? 'eir' : n % 4 === 2 ? 'telex-release-guarantee' : 'delivery-order';
  const participants: Participant[] =
    kind === 'eir'
      ? [{ partyId: 'demo-terminal', role: 'facility-operator' }, { partyId: 'demo-haulier-a', role: 'haulier' }]
      : kind === 'delivery-order'
        ? [{ partyId: AGENT, role: 'issuer' }, { partyId: 'demo-consignee', role: 'consignee' }, { partyId: 'demo-terminal', role: 'pickup-terminal' }]
        : [{ partyId: 'demo-shipper', role: 'issuer' }, { partyId: AGENT, role: 'carrier-agent' }];
  const status = kind === 'telex-release-guarantee' ? 'submitted' : (['issued', 'transferred', 'released'] as const)[n % 3] ?? 'issued';
  const issuer = kind === 'eir' ? 'demo-terminal' : kind === 'delivery-order' ? AGENT : 'demo-shipper';
  const state: DocumentState = {
    id, kind, version: 1, status: kind === 'eir' ? 'issued' : status, issuer, holder: participants[1]?.partyId ?? null, presentedTo: null, participants,
    payloadHash: 'bench', validUntil: null, supersedes: null, supersededBy: null, guaranteeId: null, backsDeliveryOrder: null,
  };
  // Whole payloads (the example of each kind with its numbers changed), as the pages read them.
  const example = examples[kind];
  const containerOf = (number: string) => ({ ...(example['containers'] as Record<string, unknown>[] | undefined)?.[0], number });
  const payload =
    kind === 'eir'
      ? { ...example, eirNumber: `EIR-${n}`, container: { ...(example['container'] as object), number: container(n) }, truckPlate: `沪A${String(n % 100_000).padStart(5, '0')}`, billOfLadingNumber: bl(n) }
      : kind === 'delivery-order'
        ? { ...example, deliveryOrderNumber: `DO-${n}`, billOfLadingNumber: bl(n), containers: [containerOf(container(n)), containerOf(container(n + 500_000))], consignee: { name: `Consignee ${n % 500}` } }
        : { ...example, guaranteeNumber: `TRG-${n}`, billOfLadingNumber: bl(n), containers: [containerOf(container(n))], consignee: { name: `Consignee ${n % 500}` } };
  const envelope = `bench.${Buffer.from(id).toString('base64url')}.sig`;
  return { documentId: id, expectedSeq: 0, state, payload, events: [{ type: 'issue', actor: issuer, recordedAt: at, envelope }], at };
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

async function timed(run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 10; i++) await run(i);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return percentiles(samples);
}

const fmt = (r: { p50: number; p99: number }) => `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;

/** Signs a desk user in through the form, as a browser does; answers the session cookie. */
async function signIn(base: string, userId: string, origin: string): Promise<string> {
  const form = await fetch(`${base}/login`);
  const token = /name="loginToken" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('the sign-in page has no login token');
  const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ loginToken: token, userId, password: 'sdx-demo' }),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${userId} answered ${res.status}`);
  return cookiesOf(res);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-search-'));
  const file = join(dir, 'sdx.sqlite');
  const store = SqliteStore.open(file);
  try {
    const { certsDir } = settingsOrThrow(process.env).paths;
    const demo = parseDemoParties(JSON.parse(readFileSync(join(certsDir, 'demo-parties.json'), 'utf8')));
    const credentials = await loadDemoParties(store, demo, new Date().toISOString());
    const apiKey = credentials.find((c) => c.partyId === AGENT)?.apiKey;
    if (!apiKey) throw new Error(`demo-parties.json has no API key for ${AGENT}`);

    // Wired before the documents are written: the start-up audit of the log then passes, and the
    // stand-in events written next (not signed) are never audited during the run.
    const wired = await wireApp(store, settingsOrThrow({ ...process.env, SDX_PUBLIC_URL: 'http://127.0.0.1:8080' }), () => undefined, { pdfWorkers: 1 });
    const writeStarted = process.hrtime.bigint();
    for (let first = 0; first < DOCUMENTS; first += PER_COMMIT) {
      await store.commit(Array.from({ length: Math.min(PER_COMMIT, DOCUMENTS - first) }, (_, i) => documentOf(first + i)));
    }
    const writeSeconds = Number(process.hrtime.bigint() - writeStarted) / 1e9;
    say(`document search: ${DOCUMENTS.toLocaleString('en')} documents written in ${writeSeconds.toFixed(1)} s (${Math.round(DOCUMENTS / writeSeconds)}/s), database ${(statSync(file).size / 1e6).toFixed(0)} MB`);

    const pick = (i: number) => (i * 7919) % DOCUMENTS;
    const inStore: [string, (i: number) => DocumentQuery][] = [
      ['store: container, exact', (i) => ({ limit: 50, newestFirst: true, keys: [{ keys: ['container'], value: normaliseKeyValue(container(pick(i))) }] })],
      ['store: container, first 8 characters', (i) => ({ limit: 50, newestFirst: true, keys: [{ keys: ['container'], value: container(pick(i)).slice(0, 8) }] })],
      ['store: B/L, exact', (i) => ({ limit: 50, newestFirst: true, keys: [{ keys: ['bl-number'], value: bl(pick(i)) }] })],
      ['store: any key (q)', (i) => ({ limit: 50, newestFirst: true, keys: [{ keys: ['do-number', 'bl-number', 'container', 'eir-number', 'plate', 'consignee', 'guarantee-number'], value: `DO${pick(i)}` }] })],
      ['store: agent, status issued, page of 50', () => ({ limit: 50, newestFirst: true, partyId: AGENT, status: 'issued' })],
    ];
    for (const [name, query] of inStore) {
      const result = await timed(async (i) => {
        const q = query(i);
        await Promise.all([store.listDocuments(q), store.countDocuments(q, 10_000)]);
      });
      say(`  ${name} (page + count): ${fmt(result)}`);
    }

    const server = wired.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const get = async (path: string, auth = true) => {
        const res = await fetch(`${base}${path}`, auth ? { headers: { authorization: `Bearer ${apiKey}` } } : {});
        if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
        return res.text();
      };
      const health = await timed(() => get('/healthz', false));
      say(`  HTTP GET /healthz (baseline): ${fmt(health)}`);
      const overHttp: [string, (i: number) => string][] = [
        ['HTTP search by container', (i) => `/api/v1/documents?container=${container(pick(i))}`],
        ['HTTP search by B/L', (i) => `/api/v1/documents?bl=${bl(pick(i))}`],
        ['HTTP agent worklist: issued D/Os, newest 50', () => '/api/v1/documents?kind=delivery-order&status=issued&limit=50'],
      ];
      for (const [name, path] of overHttp) {
        const result = await timed((i) => get(path(i)));
        say(`  ${name}: ${fmt(result)} (p99 ${(result.p99 / health.p99).toFixed(1)}x the /healthz p99)`);
      }
      const cookie = await signIn(base, 'demo-agent-sha-desk', 'http://127.0.0.1:8080');
      const desk = async (path: string) => {
        const res = await fetch(`${base}${path}`, { headers: { cookie, 'accept-language': 'zh-CN' } });
        const page = await res.text();
        if (!res.ok || !page.includes('id="orders"')) throw new Error(`GET ${path}: ${res.status}`);
        return page;
      };
      const pages: [string, (i: number) => string][] = [
        ['HTTP desk page /desk/agent (inbox, releasable, D/Os: 3 pages of 50 + counts)', () => '/desk/agent'],
        ['HTTP desk page, D/Os searched by container', (i) => `/desk/agent?q=${container(pick(i) - (pick(i) % 4))}`],
      ];
      for (const [name, path] of pages) {
        const result = await timed((i) => desk(path(i)));
        say(`  ${name}: ${fmt(result)} (p99 ${(result.p99 / health.p99).toFixed(1)}x the /healthz p99)`);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await wired.close();
    }
  } finally {
    await store.close();
    if (process.env.BENCH_KEEP_DB) say(`  database kept: ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`document search bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
