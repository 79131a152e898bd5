// Three real `sdx serve` processes on loopback, each a platform with its own key and SQLite store:
// CAR1 (a carrier's exchange), PORT (the port's) and DEPO (started late, to be a peer that was down).
// Documents pass between them the PINT way; the test also speaks PINT to PORT itself, signing as
// CAR1 with CAR1's key, to replay, tamper with and forge envelopes.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { Platform } from '../../src/application/federation/platform';
import type { EnvelopeSend } from '../../src/application/federation/outbound-envelope';
import { receivedDocumentIdOf } from '../../src/application/federation/envelope-receiver';
import { platformJwk, signedContentChecksum } from '../../src/domain/federation/compact-jws';
import { openReceipt, pintPartyOf, sealEnvelope, signChainEntry, type Envelope } from '../../src/domain/federation/pint-envelope';
import { canonicalHash } from '../../src/domain/shared/canonical-json';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { freePort } from '../support/free-port';
import { call, issueOrder, keyOf } from '../support/demo-api';
import { exampleJson } from '../support/examples';
import { dcsaProblems } from '../support/dcsa-schemas';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'sdx-fed-'));
const codes = ['CAR1', 'PORT', 'DEPO'] as const;
type Code = (typeof codes)[number];
const keys = {} as Record<Code, KeyObject>;
const ports = {} as Record<Code, number>;
const urls = {} as Record<Code, string>;
const children: ChildProcessWithoutNullStreams[] = [];
const platformOf = (code: Code) => new Platform(code, keys[code]);

const dbOf = (code: Code) => join(dir, `${code}.sqlite`);

async function serve(code: Code): Promise<void> {
  // Only CAR1 issues: it hosts the demo carrier (POCL), its agent and the shipper; PORT and DEPO host no issuers.
  const hosts = (c: Code) => (c === 'CAR1' ? { parties: ['demo-agent-sha', 'demo-carrier', 'demo-shipper'], carriers: ['POCL'] } : { parties: [] });
  const peers = codes.filter((c) => c !== code).map((c) => ({ code: c, url: urls[c], jwk: platformJwk(keys[c]), ...hosts(c) }));
  writeFileSync(join(dir, `${code}.peers.json`), JSON.stringify(peers));
  const child = startSdx(['serve', '--port', String(ports[code]), '--demo'], {
    SDX_PLATFORM_CODE: code,
    SDX_PLATFORM_KEY_FILE: join(dir, `${code}.key.pem`),
    SDX_PEERS_FILE: join(dir, `${code}.peers.json`),
    SDX_DB: dbOf(code),
    SDX_STORE: '',
    SDX_PDF_WORKERS: '0',
    SDX_PEER_RETRY_MS: '100',
    SDX_PEER_POLL_MS: '50',
    SDX_WEBHOOK_ALLOW_PRIVATE: '1',
    SDX_WEBHOOK_ALLOW_HTTP: '1',
  });
  children.push(child);
  await waitForOutput(child, /SDX listening on/, 30_000);
}

beforeAll(async () => {
  for (const code of codes) {
    keys[code] = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    writeFileSync(join(dir, `${code}.key.pem`), keys[code].export({ format: 'pem', type: 'pkcs8' }));
    ports[code] = await freePort();
    urls[code] = `http://127.0.0.1:${ports[code]}`;
  }
  // DEPO stays down until the test that brings it up.
  await Promise.all([serve('CAR1'), serve('PORT')]);
});

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGTERM');
    await exitOf(child).catch(() => child.kill('SIGKILL'));
  }
});

/** Waits (polling, no timing asserted) until `probe` answers something other than undefined. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

interface EventView {
  type: string;
  actor: string;
  data: Record<string, unknown>;
}
const dataOf = (event: EventView) => event.data;

async function eventsOf(code: Code, party: string, id: string): Promise<EventView[]> {
  const answer = await call(urls[code], party, 'GET', `/documents/${id}`);
  return (answer.body['events'] as EventView[] | undefined) ?? [];
}

const eventOf = (code: Code, party: string, id: string, type: string) =>
  until(async () => (await eventsOf(code, party, id)).find((e) => e.type === type), `${type} on ${code}`);

/** What a peer-send row of `code`'s store holds for a document (read from its SQLite file). */
function sendsOf(code: Code, documentId: string): { kind: string; status: string; attempts: number; body: string }[] {
  const db = new Database(dbOf(code), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT kind, status, attempts, body FROM peer_sends WHERE document_id = ? ORDER BY created_at').all(documentId) as { kind: string; status: string; attempts: number; body: string }[];
  } finally {
    db.close();
  }
}

/** A PINT call to `to`, signed by `from`'s key as the service would sign it. */
async function pint(from: Code, to: Code, method: 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const authorization = signPeerRequest(platformOf(from), { to, method, path, body, now: new Date() });
  const res = await fetch(urls[to] + path, {
    method,
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** A signed answer from `by` about the envelope whose last entry has `lastChecksum`. */
function receiptOf(by: Code, token: unknown, lastChecksum: string) {
  const kid = platformJwk(keys[by]).kid;
  const publicKey = keys[by];
  expect(dcsaProblems('pint-signed-content', token, { closed: true })).toEqual([]);
  expect(dcsaProblems('pint-finished-response', JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8')), { closed: true })).toEqual([]);
  return openReceipt(token, (k) => (k === kid ? publicKey : undefined), lastChecksum);
}

/** The envelope CAR1 queued for a document, as its outbox holds it. */
function queuedEnvelope(documentId: string): EnvelopeSend {
  const row = sendsOf('CAR1', documentId).find((s) => s.kind === 'envelope');
  return JSON.parse(row?.body ?? '{}') as EnvelopeSend;
}

/** A D/O issued on CAR1 by the demo agent and handed by its consignee to `to`. */
async function sentOrder(to: string): Promise<string> {
  const id = await issueOrder(urls.CAR1);
  const answer = await call(urls.CAR1, 'demo-consignee', 'POST', `/documents/${id}/events`, { type: 'transfer', to });
  expect([answer.status, answer.body['holder']]).toEqual([200, to]);
  return id;
}

/** An envelope for a CAR1 document forged with CAR1's key: its own ISSUE and handover, at `minute`. */
function forgedEnvelope(payload: Record<string, unknown>, to: { platform: Code; party: string }, minute: number, pdf: { sha256: string; size: number }): Envelope {
  const car = platformOf('CAR1').signer;
  const at = `2026-12-03T09:${String(minute).padStart(2, '0')}:00.000Z`;
  const agent = pintPartyOf('CAR1', 'demo-agent-sha', 'Agent');
  const consignee = pintPartyOf('CAR1', 'demo-consignee', 'Consignee');
  const entry = signChainEntry(
    {
      platform: 'CAR1',
      document: payload,
      transactions: [
        { actionCode: 'ISSUE', actor: agent, recipient: consignee, actionDateTime: at },
        { actionCode: 'TRANSFER', actor: consignee, recipient: pintPartyOf(to.platform, to.party, to.party), actionDateTime: at },
      ],
    },
    car,
  );
  return sealEnvelope({ document: payload, chain: [entry], supportingDocuments: [{ name: 'x.pdf', size: pdf.size, mediaType: 'application/pdf', documentChecksum: pdf.sha256 }] }, car);
}

let carried: { id: string; portId: string; send: EnvelopeSend };
/** The D/O CAR1 sent to DEPO while DEPO was down: its id on CAR1 and on DEPO. */
let atDepo: { id: string; depoId: string };

describe('a D/O issued on CAR1 goes to a consignee on PORT', () => {
  it('is received on PORT (MDOC, the PDF, then RECE) and recorded as transferred out on CAR1 with PORT’s signed receipt', async () => {
    const id = await sentOrder('PORT:demo-consignee');
    const out = await eventOf('CAR1', 'demo-agent-sha', id, 'transferred-out');
    const send = queuedEnvelope(id);
    const data = dataOf(out);
    expect(data).toMatchObject({ peer: 'PORT', responseCode: 'RECE', lastChecksum: send.lastChecksum });
    expect(receiptOf('PORT', data['receipt'], send.lastChecksum)).toMatchObject({ responseCode: 'RECE', receivedAdditionalDocumentChecksums: [send.pdfSha256] });
    expect(sendsOf('CAR1', id).map((s) => s.status)).toEqual(['done']);

    const portId = receivedDocumentIdOf('CAR1', canonicalHash(send.envelope.transportDocument));
    const there = await call(urls.PORT, 'demo-consignee', 'GET', `/documents/${portId}`);
    expect(there.body).toMatchObject({ status: 'transferred', holder: 'demo-consignee', issuer: 'CAR1:demo-agent-sha', pdfSha256: send.pdfSha256 });
    expect((there.body['events'] as EventView[]).map((e) => e.type)).toEqual(['transfer-in']);
    carried = { id, portId, send };
  });

  it('the new holder presents it on PORT, PORT’s terminal releases it, and the issuer on CAR1 sees it released (event and webhook)', async () => {
    const hooks: { type?: string; documentId?: string }[] = [];
    const receiver = createHttpServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        hooks.push(JSON.parse(text) as { type?: string; documentId?: string });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const hook = await call(urls.CAR1, 'demo-agent-sha', 'POST', '/webhooks', { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`, eventTypes: ['released-elsewhere'] });
    expect(hook.status).toBe(201);
    const presented = await call(urls.PORT, 'demo-consignee', 'POST', `/documents/${carried.portId}/events`, { type: 'present', to: 'demo-terminal' });
    expect([presented.status, presented.body['status']]).toEqual([200, 'presented']);
    const released = await call(urls.PORT, 'demo-terminal', 'POST', `/documents/${carried.portId}/events`, { type: 'release' });
    expect([released.status, released.body['status']]).toEqual([200, 'released']);

    const notice = await eventOf('CAR1', 'demo-agent-sha', carried.id, 'released-elsewhere');
    expect(dataOf(notice)).toMatchObject({ peer: 'PORT' });
    expect((await call(urls.CAR1, 'demo-agent-sha', 'GET', `/documents/${carried.id}`)).body).toMatchObject({ status: 'released', holder: 'PORT:demo-consignee' });
    const delivered = await until(async () => hooks.find((h) => h.type === 'released-elsewhere'), 'the released-elsewhere webhook');
    expect(delivered).toMatchObject({ documentId: carried.id });
    receiver.close();
  });

  it('CAR1 acts on it no more: another transfer (to DEPO) is refused as held elsewhere', async () => {
    const again = await call(urls.CAR1, 'demo-consignee', 'POST', `/documents/${carried.id}/events`, { type: 'transfer', to: 'DEPO:demo-consignee' });
    expect([again.status, again.body['code']]).toEqual([409, 'held-elsewhere']);
  });
});

describe('PORT’s answers to envelopes it already has or must not take', () => {
  it('a replayed envelope is DUPE, signed, and adds nothing', async () => {
    const before = (await eventsOf('PORT', 'demo-consignee', carried.portId)).length;
    const answer = await pint('CAR1', 'PORT', 'POST', '/pint/v3/envelopes', carried.send.envelope);
    expect(answer.status).toBe(200);
    expect(receiptOf('PORT', answer.body, carried.send.lastChecksum)).toMatchObject({ responseCode: 'DUPE' });
    expect((await eventsOf('PORT', 'demo-consignee', carried.portId)).length).toBe(before);
  });

  it('a tampered chain entry is BSIG (signature) or BENV (structure), and nothing is stored', async () => {
    const id = await issueOrder(urls.CAR1);
    const payload = (await call(urls.CAR1, 'demo-consignee', 'GET', `/documents/${id}`)).body['payload'] as Record<string, unknown>;
    const pdf = { sha256: 'ab'.repeat(32), size: 1000 };
    const genuine = forgedEnvelope(payload, { platform: 'PORT', party: 'demo-consignee' }, 1, pdf);
    const [header, body, signature] = (genuine.envelopeTransferChain[0] ?? '').split('.');
    const entry = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as { transactions: { recipient: { identifyingCodes: { partyCode: string }[] } }[] };
    const handover = entry.transactions[1];
    if (handover?.recipient.identifyingCodes[0]) handover.recipient.identifyingCodes[0].partyCode = 'demo-forwarder';
    const tampered = `${header}.${Buffer.from(JSON.stringify(entry)).toString('base64url')}.${signature}`;
    const resealed = sealEnvelope({ document: payload, chain: [tampered], supportingDocuments: [{ name: 'x.pdf', size: pdf.size, mediaType: 'application/pdf', documentChecksum: pdf.sha256 }] }, platformOf('CAR1').signer);
    const lastChecksum = signedContentChecksum(tampered);
    const answer = await pint('CAR1', 'PORT', 'POST', '/pint/v3/envelopes', resealed);
    expect(answer.status).toBe(422);
    expect(receiptOf('PORT', answer.body, lastChecksum)).toMatchObject({ responseCode: 'BSIG' });
    const broken = await pint('CAR1', 'PORT', 'POST', '/pint/v3/envelopes', { ...genuine, envelopeTransferChain: [] });
    expect(broken.status).toBe(422);
    expect(receiptOf('PORT', broken.body, '0'.repeat(64))).toMatchObject({ responseCode: 'BENV' });
    const portId = receivedDocumentIdOf('CAR1', canonicalHash(payload));
    expect((await call(urls.PORT, 'demo-consignee', 'GET', `/documents/${portId}`)).status).toBe(404);
  });

  it('a missing PDF is MDOC with the missing checksum listed; once sent, the transfer finishes RECE', async () => {
    const id = await issueOrder(urls.CAR1);
    const doc = (await call(urls.CAR1, 'demo-consignee', 'GET', `/documents/${id}`)).body;
    const pdfRes = await fetch(`${urls.CAR1}/api/v1/documents/${id}/pdf`, { headers: { Authorization: `Bearer ${keyOf('demo-consignee')}` } });
    const pdf = Buffer.from(await pdfRes.arrayBuffer());
    const sha256 = String(doc['pdfSha256']);
    const envelope = forgedEnvelope(doc['payload'] as Record<string, unknown>, { platform: 'PORT', party: 'demo-forwarder' }, 2, { sha256, size: pdf.length });
    const started = await pint('CAR1', 'PORT', 'POST', '/pint/v3/envelopes', envelope);
    expect(started.status).toBe(201);
    const reference = String((started.body as { envelopeReference: string }).envelopeReference);
    expect(started.body).toMatchObject({ missingAdditionalDocumentChecksums: [sha256] });
    expect(dcsaProblems('pint-started-response', started.body, { closed: true })).toEqual([]);
    const early = await pint('CAR1', 'PORT', 'PUT', `/pint/v3/envelopes/${reference}/finish-transfer`);
    expect(early.status).toBe(409);
    expect(receiptOf('PORT', early.body, reference)).toMatchObject({ responseCode: 'MDOC', missingAdditionalDocumentChecksums: [sha256] });
    const put = await pint('CAR1', 'PORT', 'PUT', `/pint/v3/envelopes/${reference}/additional-documents/${sha256}`, pdf.toString('base64'));
    expect(put.status).toBe(204);
    const finished = await pint('CAR1', 'PORT', 'PUT', `/pint/v3/envelopes/${reference}/finish-transfer`);
    expect(finished.status).toBe(200);
    expect(receiptOf('PORT', finished.body, reference)).toMatchObject({ responseCode: 'RECE', receivedAdditionalDocumentChecksums: [sha256] });
    const portId = receivedDocumentIdOf('CAR1', canonicalHash(doc['payload']));
    expect((await call(urls.PORT, 'demo-forwarder', 'GET', `/documents/${portId}`)).body).toMatchObject({ holder: 'demo-forwarder', pdfSha256: sha256 });
  });

  it('a forged second transfer of a D/O PORT already took is DISE, and changes nothing', async () => {
    const payload = carried.send.envelope.transportDocument;
    const forged = forgedEnvelope(payload, { platform: 'PORT', party: 'demo-forwarder' }, 3, { sha256: carried.send.pdfSha256, size: 1 });
    const before = (await eventsOf('PORT', 'demo-consignee', carried.portId)).length;
    const answer = await pint('CAR1', 'PORT', 'POST', '/pint/v3/envelopes', forged);
    expect(answer.status).toBe(409);
    const lastChecksum = signedContentChecksum(forged.envelopeTransferChain[0] ?? '');
    expect(receiptOf('PORT', answer.body, lastChecksum)).toMatchObject({ responseCode: 'DISE' });
    expect((await eventsOf('PORT', 'demo-consignee', carried.portId)).length).toBe(before);
  });
});

describe('a peer that is down', () => {
  it('is retried (with doubling delays) until it answers, and gets the document once', async () => {
    const id = await sentOrder('DEPO:demo-consignee');
    const retried = await until(async () => {
      const [row] = sendsOf('CAR1', id);
      return row && row.attempts >= 3 ? row : undefined;
    }, 'three tries at DEPO');
    expect(retried.status).toBe('pending');
    await serve('DEPO');
    const out = await eventOf('CAR1', 'demo-agent-sha', id, 'transferred-out');
    expect(dataOf(out)).toMatchObject({ peer: 'DEPO', responseCode: 'RECE' });
    const send = queuedEnvelope(id);
    const depoId = receivedDocumentIdOf('CAR1', canonicalHash(send.envelope.transportDocument));
    const there = await call(urls.DEPO, 'demo-consignee', 'GET', `/documents/${depoId}`);
    expect((there.body['events'] as EventView[]).map((e) => e.type)).toEqual(['transfer-in']);
    expect(sendsOf('CAR1', id).map((s) => s.status)).toEqual(['done']);
    expect((await eventsOf('CAR1', 'demo-agent-sha', id)).filter((e) => e.type === 'transferred-out')).toHaveLength(1);
    atDepo = { id, depoId };
  });
});

describe('a D/O spent twice, seen by a third platform', () => {
  it('a forged copy DEPO took from CAR1 is answered DISE by PORT, which holds the genuine one; DEPO gets it back and PORT changes nothing', async () => {
    // CAR1's key signs a second chain for the D/O already at PORT, handing it to DEPO instead.
    const pdfRes = await fetch(`${urls.CAR1}/api/v1/documents/${carried.id}/pdf`, { headers: { Authorization: `Bearer ${keyOf('demo-agent-sha')}` } });
    const pdf = Buffer.from(await pdfRes.arrayBuffer());
    const forged = forgedEnvelope(carried.send.envelope.transportDocument, { platform: 'DEPO', party: 'demo-consignee' }, 4, { sha256: carried.send.pdfSha256, size: pdf.length });
    const started = await pint('CAR1', 'DEPO', 'POST', '/pint/v3/envelopes', forged);
    const reference = String((started.body as { envelopeReference: string }).envelopeReference);
    expect((await pint('CAR1', 'DEPO', 'PUT', `/pint/v3/envelopes/${reference}/additional-documents/${carried.send.pdfSha256}`, pdf.toString('base64'))).status).toBe(204);
    const taken = await pint('CAR1', 'DEPO', 'PUT', `/pint/v3/envelopes/${reference}/finish-transfer`);
    expect(receiptOf('DEPO', taken.body, reference)).toMatchObject({ responseCode: 'RECE' });

    // DEPO's holder passes it on to PORT: a chain of two entries (CAR1's forged one, DEPO's).
    const depoId = receivedDocumentIdOf('CAR1', canonicalHash(carried.send.envelope.transportDocument));
    const portEvents = (await eventsOf('PORT', 'demo-consignee', carried.portId)).length;
    const onward = await call(urls.DEPO, 'demo-consignee', 'POST', `/documents/${depoId}/events`, { type: 'transfer', to: 'PORT:demo-forwarder' });
    expect([onward.status, onward.body['holder']]).toEqual([200, 'PORT:demo-forwarder']);
    const refused = await eventOf('DEPO', 'demo-consignee', depoId, 'transfer-refused');
    const db = new Database(dbOf('DEPO'), { readonly: true, fileMustExist: true });
    const sent = JSON.parse((db.prepare('SELECT body FROM peer_sends WHERE document_id = ?').pluck().get(depoId) as string | undefined) ?? '{}') as EnvelopeSend;
    db.close();
    expect(sent.envelope.envelopeTransferChain).toHaveLength(2);
    expect(dataOf(refused)).toMatchObject({ peer: 'PORT', responseCode: 'DISE' });
    expect(receiptOf('PORT', dataOf(refused)['receipt'], sent.lastChecksum)).toMatchObject({ responseCode: 'DISE' });
    expect((await call(urls.DEPO, 'demo-consignee', 'GET', `/documents/${depoId}`)).body).toMatchObject({ holder: 'demo-consignee', status: 'transferred' });
    expect((await eventsOf('PORT', 'demo-consignee', carried.portId)).length).toBe(portEvents);
  });
});

describe('a D/O that comes back to the platform that sent it', () => {
  it('is the same document there, held by the new holder, who acts on it as usual', async () => {
    const back = await call(urls.DEPO, 'demo-consignee', 'POST', `/documents/${atDepo.depoId}/events`, { type: 'transfer', to: 'CAR1:demo-forwarder' });
    expect([back.status, back.body['holder']]).toEqual([200, 'CAR1:demo-forwarder']);
    await eventOf('DEPO', 'demo-consignee', atDepo.depoId, 'transferred-out');
    const returned = await eventOf('CAR1', 'demo-agent-sha', atDepo.id, 'transfer-in');
    expect((dataOf(returned)['chain'] as string[]).map((entry) => (JSON.parse(Buffer.from(entry.split('.')[1] ?? '', 'base64url').toString('utf8')) as { eblPlatform: string }).eblPlatform)).toEqual(['CAR1', 'DEPO']);
    expect((await call(urls.CAR1, 'demo-forwarder', 'GET', `/documents/${atDepo.id}`)).body).toMatchObject({ holder: 'demo-forwarder', status: 'transferred' });
    const presented = await call(urls.CAR1, 'demo-forwarder', 'POST', `/documents/${atDepo.id}/events`, { type: 'present', to: 'demo-terminal' });
    expect([presented.status, presented.body['status']]).toEqual([200, 'presented']);
  });
});

/** The guarantee the shipper on CAR1 submitted to the agent on PORT. */
let guaranteeId: string;

describe('a telex-release guarantee the shipper on CAR1 submits to the carrier’s agent on PORT', () => {
  it('is accepted by the agent on PORT, and the shipper on CAR1 sees it accepted elsewhere', async () => {
    const payload = { ...exampleJson('telex-release-guarantee'), guaranteeNumber: `TRG-SERVE-${process.pid}` };
    const issued = await call(urls.CAR1, 'demo-shipper', 'POST', '/documents', { kind: 'telex-release-guarantee', payload });
    expect(issued.status).toBe(201);
    guaranteeId = String(issued.body['id']);
    const sent = await call(urls.CAR1, 'demo-shipper', 'POST', `/documents/${guaranteeId}/events`, { type: 'transfer', to: 'PORT:demo-agent-pus' });
    expect([sent.status, sent.body['status'], sent.body['holder']]).toEqual([200, 'submitted', 'PORT:demo-agent-pus']);
    expect(dataOf(await eventOf('CAR1', 'demo-shipper', guaranteeId, 'transferred-out'))).toMatchObject({ peer: 'PORT', responseCode: 'RECE' });

    const there = receivedDocumentIdOf('CAR1', canonicalHash(queuedEnvelope(guaranteeId).envelope.transportDocument));
    expect((await call(urls.PORT, 'demo-agent-pus', 'GET', `/documents/${there}`)).body).toMatchObject({ status: 'submitted', holder: 'demo-agent-pus', issuer: 'CAR1:demo-shipper' });
    const accepted = await call(urls.PORT, 'demo-agent-pus', 'POST', `/documents/${there}/events`, { type: 'accept' });
    expect([accepted.status, accepted.body['status']]).toEqual([200, 'accepted']);

    expect(dataOf(await eventOf('CAR1', 'demo-shipper', guaranteeId, 'accepted-elsewhere'))).toMatchObject({ peer: 'PORT' });
    const home = await call(urls.CAR1, 'demo-shipper', 'GET', `/documents/${guaranteeId}`);
    expect([home.body['status'], (home.body['events'] as EventView[]).map((e) => e.type)]).toEqual(['accepted', ['issue', 'transfer', 'transferred-out', 'accepted-elsewhere']]);
  });
});

describe('each platform’s own audit', () => {
  const platformEnv = (code: Code) => ({ SDX_STORE: '', SDX_PLATFORM_CODE: code, SDX_PLATFORM_KEY_FILE: join(dir, `${code}.key.pem`), SDX_PEERS_FILE: join(dir, `${code}.peers.json`) });

  it.each(codes)('sdx audit verify holds on %s’s store: its lifecycle allows every transfer out and in, and the chains, receipts and notices its peers signed verify under their pinned keys', (code) => {
    const result = runSdx(['audit', 'verify', '--db', dbOf(code), '--json'], { env: platformEnv(code) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('an auditor’s bundle of CAR1, exported over HTTP, carries the payloads its received chains (one of a D/O that came back) are re-checked against, and holds', () => {
    const bundle = join(dir, 'CAR1.bundle.json');
    expect(runSdx(['audit', 'export', '--url', urls.CAR1, '--key', keyOf('demo-auditor'), '--out', bundle])).toMatchObject({ code: 0, stderr: '' });
    expect(runSdx(['audit', 'verify', bundle, '--json'], { env: platformEnv('CAR1') })).toMatchObject({ code: 0, stderr: '' });
  });

  it('with a key for PORT that is not PORT’s, CAR1’s audit names each receipt and notice PORT signed', () => {
    const peers = JSON.parse(readFileSync(join(dir, 'CAR1.peers.json'), 'utf8')) as { code: string; jwk: unknown }[];
    const wrong = peers.map((peer) => (peer.code === 'PORT' ? { ...peer, jwk: platformJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) } : peer));
    writeFileSync(join(dir, 'CAR1.wrong-peers.json'), JSON.stringify(wrong));
    const result = runSdx(['audit', 'verify', '--db', dbOf('CAR1'), '--json'], { env: { ...platformEnv('CAR1'), SDX_PEERS_FILE: join(dir, 'CAR1.wrong-peers.json') } });
    expect(result.code).toBe(1);
    const problems = (JSON.parse(result.stdout) as { problems: { code: string; documentId: string; message: string }[] }).problems;
    expect(problems.map((p) => [p.code, p.documentId, p.message])).toEqual([
      ['cross-platform-signature-invalid', carried.id, 'the receipt is not signed by PORT\'s key for the envelope sent'],
      ['cross-platform-signature-invalid', carried.id, 'the notice is not signed by PORT\'s key'],
      ['cross-platform-signature-invalid', guaranteeId, 'the receipt is not signed by PORT\'s key for the envelope sent'],
      ['cross-platform-signature-invalid', guaranteeId, 'the notice is not signed by PORT\'s key'],
    ]);
  });
});
