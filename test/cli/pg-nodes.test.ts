// Three real `sdx serve` processes on one fresh PostgreSQL database: the concurrency rule, one audit
// log in commit order, and no acknowledged write lost when a node is killed, across nodes.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { leafHash } from '../../src/domain/audit-log/merkle-hash';
import { checkInclusion } from '../../src/domain/audit-log/merkle-proofs';
import { tally } from '../support/answer-tally';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { API, call, issueOrder, issueOrderAnswer, keyOf } from '../support/demo-api';
import { describeWithPostgres, freshDatabase, pgTestUrl } from '../support/postgres';

const STARTUP_MS = 30_000;
const NODES = 3;

describeWithPostgres('three sdx nodes on one PostgreSQL database', () => {
  let database: { url: string; drop(): Promise<void> };
  const children: ChildProcessWithoutNullStreams[] = [];
  const output: string[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    database = await freshDatabase(pgTestUrl ?? '');
    // All start at once: migrations and the demo parties race on the same database too.
    for (let i = 0; i < NODES; i += 1) {
      output.push('');
      const child = startSdx(['serve', '--store', 'postgres', '--port', '0', '--demo'], {
        SDX_PG_URL: database.url,
        SDX_PDF_WORKERS: '1',
        SDX_STORE: '',
        SDX_WEBHOOK_POLL_MS: '100',
        SDX_WEBHOOK_ALLOW_PRIVATE: '1',
        // 300 issues by one key: the shared write limit is tested in pg-shared-limits, not here.
        SDX_WRITE_RATE: '0',
      });
      child.stdout.on('data', (chunk: Buffer) => (output[i] += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output[i] += chunk.toString('utf8')));
      children.push(child);
    }
    const listening = /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/;
    const matches = await Promise.all(children.map((child) => waitForOutput(child, listening, STARTUP_MS)));
    urls = matches.map((m) => String(m[1]));
  }, STARTUP_MS + 10_000);

  afterAll(async () => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => exitOf(child, 15_000)));
    await database?.drop();
    // A 500 is logged as "unexpected error" by the node that answered it; the password is never printed.
    expect(output.filter((text) => text.includes('unexpected error'))).toEqual([]);
    const password = new URL(pgTestUrl ?? 'postgres://x@y').password;
    if (password !== '') expect(output.filter((text) => text.includes(`:${password}@`))).toEqual([]);
  }, 40_000);

  it('20 racing transfers of one D/O over three nodes: one 200, nineteen 409, one transfer event', async () => {
    const id = await issueOrder(urls[0] as string);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(urls[i % NODES] as string, 'demo-consignee', 'POST', `/documents/${id}/events`, { type: 'transfer', to: 'demo-forwarder' }),
      ),
    );
    expect(tally(answers)).toEqual({ '200': 1, '409 concurrent-update': 19 });
    for (const base of urls) {
      const view = await call(base, 'demo-forwarder', 'GET', `/documents/${id}`);
      expect(view).toMatchObject({ status: 200, body: { status: 'transferred', holder: 'demo-forwarder', sequence: 2 } });
      const events = view.body['events'] as { type: string }[];
      expect(events.filter((e) => e.type === 'transfer')).toHaveLength(1);
    }
  }, 60_000);

  it('300 issues spread over three nodes: one log tree 0..n-1, every entry once, every inclusion proof verifying', async () => {
    const before = Number((await call(urls[0] as string, 'demo-auditor', 'GET', '/log/tree-head')).body['size']);
    const ids: string[] = [];
    // 30 in flight at a time, round robin over the nodes.
    for (let round = 0; round < 10; round += 1) {
      ids.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => issueOrder(urls[i % NODES] as string)))));
    }
    expect(new Set(ids).size).toBe(300);
    const heads = await Promise.all(urls.map((base) => call(base, 'demo-auditor', 'GET', '/log/tree-head')));
    const size = Number(heads[0]?.body['size']);
    expect(size).toBe(before + 300);
    for (const head of heads) expect(head.body).toMatchObject({ size, rootHash: heads[0]?.body['rootHash'] });

    const listed = await call(urls[2] as string, 'demo-auditor', 'GET', `/log/entries?start=0&end=${size}`);
    const entries = listed.body['entries'] as { logIndex: number; documentId: string; seq: number; envelope: string }[];
    expect(entries.map((e) => e.logIndex)).toEqual([...Array(size).keys()]);
    expect(new Set(entries.map((e) => e.envelope)).size).toBe(size);
    const issued = new Set(ids);
    expect(entries.filter((e) => issued.has(e.documentId)).map((e) => e.seq)).toEqual(ids.map(() => 1));

    const root = new Uint8Array(Buffer.from(String(heads[0]?.body['rootHash']), 'hex'));
    for (let start = 0; start < size; start += 30) {
      await Promise.all(
        entries.slice(start, start + 30).map(async (entry) => {
          const proof = await call(urls[entry.logIndex % NODES] as string, 'demo-auditor', 'GET', `/log/proof/inclusion?index=${entry.logIndex}&size=${size}`);
          expect(proof.status).toBe(200);
          const path = (proof.body['proof'] as string[]).map((h) => new Uint8Array(Buffer.from(h, 'hex')));
          expect(checkInclusion(entry.logIndex, size, leafHash(Buffer.from(entry.envelope, 'utf8')), path, root)).toEqual({ ok: true });
        }),
      );
    }
    const audited = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', database.url], { env: { SDX_STORE: '' } });
    expect(audited).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^ok: ${size} events`)) });
  }, 120_000);

  it('an SSE client on node C hears the events committed on A and B in log order, and resumes by Last-Event-ID without gaps', async () => {
    const [a, b, c] = urls as [string, string, string];
    const first = await openStream(c);
    const ids = [await issueOrder(a), await issueOrder(b), await issueOrder(a), await issueOrder(b)];
    const heard = await first.take(4);
    first.close();
    expect(heard.map((m) => m.documentId)).toEqual(ids);
    const indexes = heard.map((m) => m.id);
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));

    // Reconnect after the second: the third and fourth again, then one committed while away.
    const later = await issueOrder(b);
    const resumed = await openStream(c, indexes[1]);
    const again = await resumed.take(3);
    resumed.close();
    expect(again.map((m) => m.documentId)).toEqual([ids[2], ids[3], later]);
  }, 60_000);

  it('one webhook receiver gets each event once, whichever of the three nodes leases its delivery', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['sdx-event-id']));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const registered = await call(urls[0] as string, 'demo-consignee', 'POST', '/webhooks', { url: hookUrl, eventTypes: ['issue'] });
      expect(registered.status).toBe(201);
      const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => issueOrder(urls[i % NODES] as string)));
      const deadline = Date.now() + 20_000;
      while (new Set(received).size < ids.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      // Several more delivery passes on every node: a second copy would arrive now.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect([...received].sort()).toEqual(ids.map((id) => `${id}:1`).sort());
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);

  it('SIGKILL of one node mid-load loses no acknowledged write, and the others keep serving', async () => {
    const victim = children[2] as ChildProcessWithoutNullStreams;
    const ended = new Promise<NodeJS.Signals | null>((resolve) => victim.once('exit', (_code, signal) => resolve(signal)));
    const acknowledged: string[] = [];
    let killed = false;
    const load = Array.from({ length: 30 }, async (_, i) => {
      const answer = await issueOrderAnswer(urls[i % NODES] as string).catch(() => undefined);
      if (answer?.status === 201) acknowledged.push(String(answer.body['id']));
      // Kill once some writes through the victim are acknowledged, while others are in flight.
      if (!killed && acknowledged.length >= 6) {
        killed = true;
        victim.kill('SIGKILL');
      }
    });
    await Promise.all(load);
    expect(killed).toBe(true);
    expect(await ended).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(6);
    for (const id of acknowledged) {
      const view = await call(urls[id.length % 2] as string, 'demo-agent-sha', 'GET', `/documents/${id}`);
      expect(view).toMatchObject({ status: 200, body: { sequence: 1 } });
    }
    expect(await issueOrder(urls[0] as string)).toBeTruthy();
    expect(await issueOrder(urls[1] as string)).toBeTruthy();
  }, 60_000);
});

/** An SSE reader of /stream as the D/O issuer; `take(n)` answers the next n events (log index and document). */
async function openStream(base: string, lastEventId?: number): Promise<{ take(n: number): Promise<{ id: number; documentId: string }[]>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${base}${API}/stream`, {
    headers: { authorization: `Bearer ${keyOf('demo-agent-sha')}`, ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const messages: { id: number; documentId: string }[] = [];
  return {
    async take(n) {
      const deadline = Date.now() + 20_000;
      while (messages.length < n && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) messages.push({ id: Number(id), documentId: String((JSON.parse(data) as { documentId: unknown }).documentId) });
        }
      }
      return messages.splice(0, n);
    },
    close: () => controller.abort(),
  };
}
