// The sending side of a transfer between platforms, in one app (CAR1) whose peer PORT is out of
// reach: the transfer is taken, the document is no longer CAR1's to act on, and the outbox holds
// the PINT envelope built from the stored document, conforming to PINT 3.0.0.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { EnvelopeSend } from '../../src/application/federation/outbound-envelope';
import { platformJwk, signedContentChecksum } from '../../src/domain/federation/compact-jws';
import { checkEnvelope, signReceipt, type PlatformKeys } from '../../src/domain/federation/pint-envelope';
import { platformOf } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { dcsaProblems, type DcsaSchema } from '../support/dcsa-schemas';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-out-'));
let car: TestApp;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const carKey = join(dir, 'car.key.pem');
  writeFileSync(carKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  // A port that listened once and is closed now: PORT is configured but down.
  const gone = createServer();
  await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
  await new Promise<void>((done) => gone.close(() => done()));
  const portKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  fake = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/pint/v3/receiver-validation') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ partyName: 'Fake Consignee' }));
        return;
      }
      const envelope = JSON.parse(text) as { envelopeTransferChain: string[] };
      const answer = answers.shift() ?? (() => 'no answer');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(signedContentChecksum(envelope.envelopeTransferChain.at(-1) ?? ''))));
    });
  });
  await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
  const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  writeFileSync(
    join(dir, 'peers.json'),
    JSON.stringify([
      { code: 'PORT', url, jwk: platformJwk(portKey) },
      { code: 'FAKE', url: fakeUrl, jwk: platformJwk(fakeSigner.key) },
    ]),
  );
  env = { SDX_PLATFORM_CODE: 'CAR1', SDX_PLATFORM_KEY_FILE: carKey, SDX_PEERS_FILE: join(dir, 'peers.json') };
  car = await startTestApp({ env, clock: () => now });
});

afterAll(async () => {
  expect(car.unexpected).toEqual([]);
  await car.close();
  fake.closeAllConnections();
  await new Promise<void>((done) => fake.close(() => done()));
});

/** The service's clock: fixed, moved by the tests. */
let now = new Date('2026-12-04T01:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
/** FAKE's answers to the next envelopes, each given the checksum of the envelope's last chain entry. */
let answers: ((lastChecksum: string) => unknown)[] = [];
let fake: Server;
const signerOf = () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return { key, kid: platformJwk(key).kid };
};
const fakeSigner = signerOf();

const as = (party: string) => ({ Authorization: `Bearer ${car.keys[party] ?? ''}` });
const payloadOf = (token: string): unknown => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

function expectConforms(schema: DcsaSchema, value: unknown): void {
  expect({ schema, problems: dcsaProblems(schema, value, { closed: true }) }).toEqual({ schema, problems: [] });
}

async function issuedOrder(): Promise<string> {
  const payload = exampleJson('delivery-order');
  payload['deliveryOrderNumber'] = `DO-OUT-${Date.now() % 100000}-${Math.random().toString(36).slice(2, 6)}`;
  const res = await request(car.app).post('/api/v1/documents').set(as('demo-agent-sha')).send({ kind: 'delivery-order', payload });
  expect(res.status).toBe(201);
  return String(res.body.id);
}

describe('a holder transfers a D/O to a party of a peer platform', () => {
  it('records the transfer, queues one envelope of the stored document, and nobody at CAR1 acts on it any more', async () => {
    const id = await issuedOrder();
    // The consignee passes it on locally first, so the chain has an ISSUE and two TRANSFERs.
    // (Named under CAR1's own code: a local party, recorded by its bare id.)
    const local = await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-consignee')).send({ type: 'transfer', to: 'CAR1:demo-forwarder' });
    expect([local.status, local.body.holder, local.body.events.at(-1).data]).toEqual([200, 'demo-forwarder', { to: 'demo-forwarder' }]);
    const out = await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-forwarder')).send({ type: 'transfer', to: 'PORT:demo-consignee' });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ holder: 'PORT:demo-consignee', status: 'transferred' });

    const sends = await car.store.federation.listPeerSends(id);
    expect(sends.map((s) => [s.peer, s.kind, s.status])).toEqual([['PORT', 'envelope', 'pending']]);
    const send = JSON.parse(sends[0]?.body ?? '{}') as EnvelopeSend;
    const { envelope } = send;
    expect(send.returnTo).toEqual({ holder: 'demo-forwarder', status: 'transferred' });

    // PINT's shapes, field names included.
    expectConforms('pint-signed-content', envelope.envelopeManifestSignedContent);
    expectConforms('pint-envelope-manifest', payloadOf(envelope.envelopeManifestSignedContent));
    for (const entry of envelope.envelopeTransferChain) {
      expectConforms('pint-signed-content', entry);
      expectConforms('pint-transfer-chain-entry', payloadOf(entry));
    }
    // The document is the stored payload; the PDF is the current signed one, by checksum and size.
    const stored = await car.store.getDocument(id);
    expect(envelope.transportDocument).toEqual(stored?.payload);
    const pdf = await request(car.app).get(`/api/v1/documents/${id}/pdf`).set(as('demo-agent-sha'));
    expect(payloadOf(envelope.envelopeManifestSignedContent)).toMatchObject({
      transportDocumentChecksum: stored?.state.payloadHash,
      supportingDocuments: [{ name: `${id}.pdf`, mediaType: 'application/pdf', size: (pdf.body as Buffer).length, documentChecksum: createHash('sha256').update(pdf.body as Buffer).digest('hex') }],
    });
    const entry = payloadOf(envelope.envelopeTransferChain[0] ?? '') as { eblPlatform: string; transactions: { actionCode: string; actor: { identifyingCodes: { partyCode: string }[] }; recipient: { eblPlatform: string; identifyingCodes: { partyCode: string }[] } }[] };
    expect(entry.eblPlatform).toBe('CAR1');
    expect(entry.transactions.map((t) => [t.actionCode, t.actor.identifyingCodes[0]?.partyCode, `${t.recipient.eblPlatform}:${t.recipient.identifyingCodes[0]?.partyCode}`])).toEqual([
      ['ISSUE', 'demo-agent-sha', 'CAR1:demo-consignee'],
      ['TRANSFER', 'demo-consignee', 'CAR1:demo-forwarder'],
      ['TRANSFER', 'demo-forwarder', 'PORT:demo-consignee'],
    ]);

    // PORT's own check of what it will receive passes: signatures, checksums, chain links, handover.
    const carKey = platformOf(settingsOrThrow(env)).signer;
    const keys: PlatformKeys = async (platform, kid) => (platform === 'CAR1' && kid === carKey.kid ? carKey.key : undefined);
    expect(await checkEnvelope(envelope, { sender: 'CAR1', receiver: 'PORT', keys, hostsOf: (platform) => (platform === 'CAR1' ? { parties: ['demo-agent-sha'], carriers: ['POCL'] } : undefined) })).toMatchObject({ ok: true });

    // Held elsewhere: neither the former holder nor the issuer acts on it here.
    const again = await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-forwarder')).send({ type: 'transfer', to: 'demo-haulier-a' });
    expect([again.status, again.body.code]).toEqual([409, 'held-elsewhere']);
    const voided = await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-agent-sha')).send({ type: 'void', reason: 'test' });
    expect([voided.status, voided.body.code]).toEqual([409, 'held-elsewhere']);
  });

  it('refuses a platform that is not a peer, writing nothing', async () => {
    const id = await issuedOrder();
    const res = await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-consignee')).send({ type: 'transfer', to: 'WAVE:demo-consignee' });
    expect([res.status, res.body.code]).toEqual([503, 'peer-unavailable']);
    expect((await car.store.getDocument(id))?.seq).toBe(1);
    expect(await car.store.federation.listPeerSends(id)).toEqual([]);
  });
});

describe('the sender relies on signed answers only, retrying with doubling delays', () => {
  it('an answer signed by another key, an unsigned one and one signed for another envelope are tried again; the signed RECE is recorded once', async () => {
    const id = await issuedOrder();
    expect((await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-consignee')).send({ type: 'transfer', to: 'FAKE:demo-consignee' })).status).toBe(200);
    const sender = car.peerSender;
    if (!sender) throw new Error('the SQLite store has federation records');
    answers = [
      (last) => signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE' }, signerOf()),
      (last) => ({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE' }),
      () => signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: 'ee'.repeat(32), responseCode: 'RECE' }, fakeSigner),
      (last) => signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE' }, fakeSigner),
    ];
    const pending = async () => (await car.store.federation.listPeerSends(id))[0];
    let delay = 2_000;
    // (PORT, down, has a send of the first test's D/O in the same outbox: passes try it too.)
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await sender.runOnce();
      expect(await pending()).toMatchObject({ status: 'pending', attempts: attempt, nextAttemptAt: later(delay).toISOString() });
      // Not due a moment before; due at the time set.
      now = later(delay - 1);
      await sender.runOnce();
      expect((await pending())?.attempts).toBe(attempt);
      now = later(1);
      delay *= 2;
    }
    await sender.runOnce();
    expect(await pending()).toMatchObject({ status: 'done', attempts: 4 });
    const events = (await car.store.listEvents(id)).map((e) => e.type);
    expect(events).toEqual(['issue', 'transfer', 'transferred-out']);
    expect(answers).toEqual([]);
  });
});
