import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDeliverySignature } from '../../src/application/webhooks/webhook-signature';
import { exitOf, startSdx, waitForOutput } from '../support/built-cli';
import { repoRoot } from '../support/examples';

jest.setTimeout(60_000);

const AGENT = 'sdx_demo_agent_sha_4b7e20';
const CONSIGNEE = 'sdx_demo_consignee_e94b36';
// The receiver listens on loopback, which a service reaches only with SDX_WEBHOOK_ALLOW_PRIVATE=1.
const env = {
  SDX_PDF_WORKERS: '0',
  SDX_STORE: '',
  SDX_MONGO_URI: '',
  SDX_WEBHOOK_TIMEOUT_MS: '3000',
  SDX_WEBHOOK_LEASE_MS: '3500',
  SDX_WEBHOOK_POLL_MS: '100',
  SDX_WEBHOOK_ALLOW_PRIVATE: '1',
};

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a server killed while a delivery is in flight delivers it after the restart, with the same event id', async () => {
  const received: { eventId: string; signature: string; body: string }[] = [];
  // The first request is held open (the server dies while waiting); later ones are answered.
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ eventId: String(req.headers['sdx-event-id']), signature: String(req.headers['sdx-signature']), body: Buffer.concat(chunks).toString('utf8') });
      if (received.length > 1) res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const db = join(mkdtempSync(join(tmpdir(), 'sdx-webhook-crash-')), 'sdx.sqlite');

  const first = startSdx(['serve', '--port', '0', '--db', db, '--demo'], env);
  try {
    const [, url] = await waitForOutput(first, /listening on (http:\/\/\S+)/);
    const api = `${url}/api/v1`;
    const registered = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONSIGNEE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: hookUrl, eventTypes: ['issue'] }),
    });
    expect(registered.status).toBe(201);
    const { id: endpointId, secret } = (await registered.json()) as { id: string; secret: string };
    const payload = JSON.parse(readFileSync(join(repoRoot, 'templates', 'examples', 'delivery-order.json'), 'utf8')) as unknown;
    const issued = await fetch(`${api}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'delivery-order', payload }),
    });
    expect(issued.status).toBe(201);
    const { id: documentId } = (await issued.json()) as { id: string };

    await until(() => received.length === 1, 'the first delivery attempt');
    first.kill('SIGKILL');
    await exitOf(first);

    const second = startSdx(['serve', '--port', '0', '--db', db, '--demo'], env);
    try {
      const [, url2] = await waitForOutput(second, /listening on (http:\/\/\S+)/);
      await until(() => received.length === 2, 'the delivery after the restart');
      expect(received.map((r) => r.eventId)).toEqual([`${documentId}:1`, `${documentId}:1`]);
      expect(checkDeliverySignature(secret, received[1]!.body, received[1]!.signature, Math.floor(Date.now() / 1000))).toBe('valid');
      let deliveries: { status: string; attempts: number }[] = [];
      for (let i = 0; i < 40 && deliveries[0]?.status !== 'delivered'; i += 1) {
        const res = await fetch(`${url2}/api/v1/webhooks/${endpointId}/deliveries`, { headers: { authorization: `Bearer ${CONSIGNEE}` } });
        deliveries = ((await res.json()) as { items: { status: string; attempts: number }[] }).items;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The attempt cut off by the crash was never recorded: one recorded, successful attempt.
      expect(deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
    } finally {
      second.kill('SIGTERM');
      await exitOf(second);
    }
  } finally {
    if (first.exitCode === null) first.kill('SIGKILL');
    receiver.closeAllConnections();
    receiver.close();
  }
});

it('a demo server does not open loopback destinations: --demo does not imply SDX_WEBHOOK_ALLOW_PRIVATE', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'sdx-webhook-demo-')), 'sdx.sqlite');
  const server = startSdx(['serve', '--port', '0', '--db', db, '--demo'], { ...env, SDX_WEBHOOK_ALLOW_PRIVATE: '' });
  try {
    const [, url] = await waitForOutput(server, /listening on (http:\/\/\S+)/);
    const registered = await fetch(`${url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONSIGNEE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks' }),
    });
    expect(registered.status).toBe(422);
    expect(((await registered.json()) as { code: string }).code).toBe('webhook-destination-forbidden');
  } finally {
    server.kill('SIGTERM');
    await exitOf(server);
  }
});
