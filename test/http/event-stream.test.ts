import { get, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { loopbackServer, type LoopbackServer } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';
import { Client, P } from './exchange-client';

interface Message {
  id: number;
  event: string;
  data: { id: string; documentId: string; seq: number; type: string };
}

/** An SSE client over plain http: collects parsed messages until closed. */
function subscribe(url: string, key: string, lastEventId?: number): Promise<{ messages: Message[]; response: IncomingMessage; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) } }, (response) => {
      const messages: Message[] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data) messages.push({ id: Number(field('id')), event: field('event') ?? '', data: JSON.parse(data) as Message['data'] });
        }
      });
      resolve({ messages, response, close: () => req.destroy() });
    });
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let server: LoopbackServer;
let t: TestApp;
let c: Client;
beforeAll(async () => {
  server = await loopbackServer();
  t = await startTestApp();
  server.serve(t.app);
  c = new Client(t);
});
afterAll(async () => {
  await server.stop();
  expect(t.unexpected).toEqual([]);
  await t.close();
});

describe('GET /api/v1/stream', () => {
  it('streams the events of the party’s documents only, each with its log index as id', async () => {
    const consignee = await subscribe(`${server.url}/api/v1/stream`, t.keys[P.consignee] ?? '');
    try {
      expect(consignee.response.statusCode).toBe(200);
      expect(consignee.response.headers['content-type']).toMatch(/^text\/event-stream/);
      const order = await c.deliveryOrder();
      await c.issued(P.terminal, 'eir');
      await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
      await until(() => consignee.messages.length >= 2, 'two events');
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(consignee.messages.map((m) => [m.event, m.data.documentId, m.data.seq])).toEqual([
        ['issue', order.id, 1],
        ['transfer', order.id, 2],
      ]);
      expect(consignee.messages[1]!.id).toBeGreaterThan(consignee.messages[0]!.id + 1);
    } finally {
      consignee.close();
    }
  });

  it('a client that reconnects with Last-Event-ID gets exactly what it missed, in order, then what follows', async () => {
    const first = await subscribe(`${server.url}/api/v1/stream`, t.keys[P.forwarder] ?? '');
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
    await until(() => first.messages.length >= 1, 'the transfer');
    first.close();
    const last = first.messages.at(-1)!;

    await c.acted(P.forwarder, order.id, { type: 'present', to: P.terminal });
    const other = await c.deliveryOrder();
    await c.acted(P.consignee, other.id, { type: 'transfer', to: P.forwarder });

    const again = await subscribe(`${server.url}/api/v1/stream`, t.keys[P.forwarder] ?? '', last.id);
    try {
      await until(() => again.messages.length >= 3, 'the missed events');
      await c.acted(P.terminal, order.id, { type: 'release' });
      await until(() => again.messages.length >= 4, 'the live event');
      const seen = [...first.messages, ...again.messages];
      expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
      expect(again.messages.map((m) => [m.event, m.data.documentId])).toEqual([
        ['present', order.id],
        ['issue', other.id],
        ['transfer', other.id],
        ['release', order.id],
      ]);
      expect(again.messages.map((m) => m.id)).toEqual([...again.messages.map((m) => m.id)].sort((a, b) => a - b));
    } finally {
      again.close();
    }
  });

  it('refuses a Last-Event-ID that is not a log index, and callers without a key', async () => {
    const bad = await request(t.app).get('/api/v1/stream').set('Authorization', c.auth(P.consignee)).set('Last-Event-ID', 'x1');
    expect(bad.status).toBe(422);
    expect((await request(t.app).get('/api/v1/stream')).status).toBe(401);
    expect((await request(t.app).get('/m/stream')).status).toBe(303);
  });
});
