// Guarantees and EIRs across the boundary, between two real apps on loopback (CAR1, where the
// shipper and the carrier are; PORT, where the carrier's agent at loading and the terminal are):
// the document travels to its addressee on PORT as a PINT envelope, is decided or used there, and
// the outcome comes back to CAR1 as a signed notice recorded as an event.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { receivedDocumentIdOf } from '../../src/application/federation/envelope-receiver';
import type { TransferInData } from '../../src/application/federation/outbound-envelope';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { Platform } from '../../src/application/federation/platform';
import { storedEventBody } from '../../src/application/events/signed-event';
import { platformJwk, signJws, signedContentChecksum } from '../../src/domain/federation/compact-jws';
import { pintPartyOf } from '../../src/domain/federation/pint-envelope';
import { runSdx } from '../support/built-cli';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';
import { gateRecordExample } from './exchange-client';

const dir = mkdtempSync(join(tmpdir(), 'sdx-fed-kinds-'));
const fwdKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

interface Side {
  code: 'CAR1' | 'PORT';
  server: Server;
  url: string;
  app: TestApp;
}
let car: Side;
let port: Side;

beforeAll(async () => {
  const sides = await Promise.all(
    (['CAR1', 'PORT'] as const).map(async (code) => {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      writeFileSync(join(dir, `${code}.key.pem`), key.export({ format: 'pem', type: 'pkcs8' }));
      const server = createServer();
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return { code, key, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }),
  );
  const [c, p] = sides as [(typeof sides)[number], (typeof sides)[number]];
  // CAR1 hosts the shipper (guarantees) and the carrier (EIRs); PORT issues nothing CAR1 takes.
  // FWD, a third platform CAR1 also knows, never takes part: it only tries to speak for PORT.
  writeFileSync(join(dir, 'CAR1.peers.json'), JSON.stringify([{ code: 'PORT', url: p.url, jwk: platformJwk(p.key) }, { code: 'FWD', url: 'http://127.0.0.1:9', jwk: platformJwk(fwdKey) }]));
  writeFileSync(join(dir, 'PORT.peers.json'), JSON.stringify([{ code: 'CAR1', url: c.url, jwk: platformJwk(c.key), parties: ['demo-shipper', 'demo-carrier'], carriers: ['POCL'] }]));
  const started = [];
  for (const s of sides) {
    const app = await startTestApp({ env: { SDX_PLATFORM_CODE: s.code, SDX_PLATFORM_KEY_FILE: join(dir, `${s.code}.key.pem`), SDX_PEERS_FILE: join(dir, `${s.code}.peers.json`) } });
    s.server.on('request', app.app);
    started.push({ code: s.code, server: s.server, url: s.url, app });
  }
  [car, port] = started as [Side, Side];
});

afterAll(async () => {
  for (const s of [car, port]) {
    s.server.closeAllConnections();
    await new Promise<void>((done) => s.server.close(() => done()));
    expect(s.app.unexpected).toEqual([]);
    await s.app.close();
  }
});

const as = (side: Side, party: string) => ({ Authorization: `Bearer ${side.app.keys[party] ?? ''}` });
const act = (side: Side, party: string, id: string, body: Record<string, unknown>) => request(side.app.app).post(`/api/v1/documents/${id}/events`).set(as(side, party)).send(body);
const read = async (side: Side, party: string, id: string) => (await request(side.app.app).get(`/api/v1/documents/${id}`).set(as(side, party))).body as { status: string; holder: string; events: { type: string }[] };
/** One pass of a side's outbox. */
async function flush(side: Side): Promise<void> {
  if (!side.app.peerSender) throw new Error('the SQLite store has federation records');
  await side.app.peerSender.runOnce();
}

async function issued(side: Side, party: string, kind: 'telex-release-guarantee' | 'eir', changes: Record<string, unknown>): Promise<{ id: string; payload: Record<string, unknown> }> {
  const payload = { ...exampleJson(kind), ...changes };
  const res = await request(side.app.app).post('/api/v1/documents').set(as(side, party)).send({ kind, payload });
  expect(res.status).toBe(201);
  return { id: String(res.body.id), payload };
}

it('a guarantee the shipper on CAR1 submits to the agent on PORT is accepted there, and the shipper sees it accepted', async () => {
  const { id, payload } = await issued(car, 'demo-shipper', 'telex-release-guarantee', { guaranteeNumber: 'TRG-FED-0001' });
  // Only the agent the guarantee names, and only on another platform.
  const wrong = await act(car, 'demo-shipper', id, { type: 'transfer', to: 'PORT:demo-agent-sha' });
  expect([wrong.status, wrong.body.code]).toEqual([422, 'guarantee-wrong-agent']);
  const local = await act(car, 'demo-shipper', id, { type: 'transfer', to: 'demo-agent-sha' });
  expect([local.status, local.body.code]).toEqual([422, 'guarantee-wrong-agent']);
  const sent = await act(car, 'demo-shipper', id, { type: 'transfer', to: 'PORT:demo-agent-pus' });
  expect([sent.status, sent.body.status, sent.body.holder]).toEqual([200, 'submitted', 'PORT:demo-agent-pus']);
  await flush(car);
  expect((await read(car, 'demo-shipper', id)).events.map((e) => e.type)).toEqual(['issue', 'transfer', 'transferred-out']);

  const there = receivedDocumentIdOf('CAR1', (await car.app.store.getDocument(id))?.state.payloadHash ?? '');
  expect(await read(port, 'demo-agent-pus', there)).toMatchObject({ status: 'submitted', holder: 'demo-agent-pus', issuer: 'CAR1:demo-shipper' });
  const accepted = await act(port, 'demo-agent-pus', there, { type: 'accept' });
  expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted']);
  await flush(port);
  const home = await read(car, 'demo-shipper', id);
  expect([home.status, home.events.map((e) => e.type)]).toEqual(['accepted', ['issue', 'transfer', 'transferred-out', 'accepted-elsewhere']]);
  // The notice is recorded once, however often it is told.
  await flush(port);
  expect((await read(car, 'demo-shipper', id)).events).toHaveLength(4);
  expect(payload['guaranteeNumber']).toBe('TRG-FED-0001');
});

it('a guarantee the agent on PORT rejects comes back rejected', async () => {
  const { id } = await issued(car, 'demo-shipper', 'telex-release-guarantee', { guaranteeNumber: 'TRG-FED-0002' });
  expect((await act(car, 'demo-shipper', id, { type: 'transfer', to: 'PORT:demo-agent-pus' })).status).toBe(200);
  await flush(car);
  const there = receivedDocumentIdOf('CAR1', (await car.app.store.getDocument(id))?.state.payloadHash ?? '');
  expect((await act(port, 'demo-agent-pus', there, { type: 'reject', reason: 'originals not surrendered' })).status).toBe(200);
  await flush(port);
  expect(await read(car, 'demo-shipper', id)).toMatchObject({ status: 'rejected', events: expect.arrayContaining([expect.objectContaining({ type: 'rejected-elsewhere' })]) });
});

it('an EIR the carrier on CAR1 hands to the terminal on PORT is gate-recorded there, and the carrier sees the gate move', async () => {
  const { id } = await issued(car, 'demo-carrier', 'eir', { eirNumber: 'EIR-FED-0001', validFrom: '2026-01-01T00:00:00+08:00', validUntil: '2036-12-31T23:59:00+08:00' });
  const wrong = await act(car, 'demo-carrier', id, { type: 'transfer', to: 'PORT:demo-depot' });
  expect([wrong.status, wrong.body.code]).toEqual([422, 'wrong-terminal']);
  expect((await act(car, 'demo-carrier', id, { type: 'transfer', to: 'PORT:demo-terminal' })).status).toBe(200);
  await flush(car);
  const there = receivedDocumentIdOf('CAR1', (await car.app.store.getDocument(id))?.state.payloadHash ?? '');
  expect(await read(port, 'demo-terminal', there)).toMatchObject({ status: 'issued', holder: 'demo-terminal' });
  const gate = await act(port, 'demo-terminal', there, { type: 'gate-record', gateRecord: gateRecordExample() });
  expect([gate.status, gate.body.status, gate.body.detail]).toEqual([200, 'gate-recorded', undefined]);
  await flush(port);
  expect(await read(car, 'demo-carrier', id)).toMatchObject({ status: 'gate-recorded', events: expect.arrayContaining([expect.objectContaining({ type: 'gate-recorded-elsewhere' })]) });
});

it('a notice of another kind’s outcome (a guarantee’s ACCEPT for an EIR), or from a platform the EIR did not go to, is refused BENV and changes nothing', async () => {
  const { id } = await issued(car, 'demo-carrier', 'eir', { eirNumber: 'EIR-FED-0002', validFrom: '2026-01-01T00:00:00+08:00', validUntil: '2036-12-31T23:59:00+08:00' });
  expect((await act(car, 'demo-carrier', id, { type: 'transfer', to: 'PORT:demo-terminal' })).status).toBe(200);
  await flush(car);
  const there = receivedDocumentIdOf('CAR1', (await car.app.store.getDocument(id))?.state.payloadHash ?? '');
  const arrival = (await port.app.store.listEvents(there)).map((e) => storedEventBody(e.envelope)).find((b) => b.type === 'transfer-in')?.data as unknown as TransferInData;
  const portPlatform = new Platform('PORT', createPrivateKey(readFileSync(join(dir, 'PORT.key.pem'), 'utf8')));
  const payloadHash = (await car.app.store.getDocument(id))?.state.payloadHash;
  const notice = (noticeType: string, from: Platform) => ({
    noticeType,
    eblPlatform: from.code,
    transportDocumentChecksum: payloadHash,
    envelopeTransferChainEntrySignedContentChecksums: arrival.chain.map(signedContentChecksum),
    actor: pintPartyOf(from.code, 'demo-terminal', 'Terminal'),
    actionDateTime: '2026-12-04T01:00:00.000Z',
  });
  const tell = async (noticeType: string, from: Platform) => {
    const body = { noticeSignedContent: signJws(notice(noticeType, from), from.signer) };
    const path = '/pint/v3/sdx/notices';
    const answer = await request(car.app.app).post(path).set('Authorization', signPeerRequest(from, { to: 'CAR1', method: 'POST', path, body, now: new Date() })).send(body);
    return [answer.status, JSON.parse(Buffer.from(String(answer.body).split('.')[1] ?? '', 'base64url').toString('utf8'))] as const;
  };
  expect(await tell('ACCEPT', portPlatform)).toEqual([422, expect.objectContaining({ responseCode: 'BENV', reason: 'notice type ACCEPT does not apply to kind eir' })]);
  // The right kind of notice, signed by a peer, but not the platform the EIR went to.
  expect(await tell('GATE_RECORD', new Platform('FWD', fwdKey))).toEqual([422, expect.objectContaining({ responseCode: 'BENV', reason: 'this eir was not sent to FWD' })]);
  expect(await read(car, 'demo-carrier', id)).toMatchObject({ status: 'issued', events: [{ type: 'issue' }, { type: 'transfer' }, { type: 'transferred-out' }] });
});

it.each(['CAR1', 'PORT'] as const)('sdx audit verify holds on %s’s store: arrivals, notices and decisions replay, and the peer’s signatures verify', (code) => {
  const side = code === 'CAR1' ? car : port;
  const env = { SDX_STORE: '', SDX_PLATFORM_CODE: code, SDX_PLATFORM_KEY_FILE: join(dir, `${code}.key.pem`), SDX_PEERS_FILE: join(dir, `${code}.peers.json`) };
  const result = runSdx(['audit', 'verify', '--db', side.app.dbFile, '--json'], { env });
  expect({ code: result.code, stderr: result.stderr, problems: result.code === 0 ? [] : result.stdout }).toEqual({ code: 0, stderr: '', problems: [] });
});
