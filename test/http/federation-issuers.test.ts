// Who may issue across platforms, at a real receiving app (PORT): a valid signature proves only
// which platform made a chain entry, so an envelope is taken only when the platform that signed the
// ISSUE hosts the issuer the document names (SDX_PEERS_FILE `parties` / `carriers`) and every later
// entry is made by the platform the one before handed the document to. A refusal is a signed BENV,
// and nothing of the envelope is stored.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { bundleHeader, bundleLines, exportBundle, storeParties, type LoggedEvent } from '../../src/application/audit/audit-bundle';
import { receivedDocumentIdOf } from '../../src/application/federation/envelope-receiver';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { Platform } from '../../src/application/federation/platform';
import { openJws, platformJwk, signedContentChecksum } from '../../src/domain/federation/compact-jws';
import { pintPartyOf, sealEnvelope, signChainEntry, type Envelope, type Transaction } from '../../src/domain/federation/pint-envelope';
import { canonicalHash } from '../../src/domain/shared/canonical-json';
import { openLogService } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { runSdx } from '../support/built-cli';
import { appendEvent, bodyOf, headOver } from '../support/crafted-trail';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-issuers-'));
const car = new Platform('CAR1', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const fwd = new Platform('FWD', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const portKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
let port: TestApp;

beforeAll(async () => {
  const keyFile = join(dir, 'port.key.pem');
  writeFileSync(keyFile, portKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(
    join(dir, 'peers.json'),
    JSON.stringify([
      { code: 'CAR1', url: 'http://127.0.0.1:9', jwk: platformJwk(car.signer.key), parties: ['demo-agent-sha'], carriers: ['POCL'] },
      { code: 'FWD', url: 'http://127.0.0.1:9', jwk: platformJwk(fwd.signer.key), parties: ['demo-forwarder'] },
    ]),
  );
  port = await startTestApp({ env: { SDX_PLATFORM_CODE: 'PORT', SDX_PLATFORM_KEY_FILE: keyFile, SDX_PEERS_FILE: join(dir, 'peers.json') } });
});

afterAll(async () => {
  expect(port.unexpected).toEqual([]);
  await port.close();
});

const pdf = randomBytes(2_000);
const pdfChecksum = createHash('sha256').update(pdf).digest('hex');
const at = '2026-12-04T01:00:00.000Z';

function order(n: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...exampleJson('delivery-order'), deliveryOrderNumber: `DO-ISSUERS-${n}`, ...changes };
}

/** One entry by `platform`: its party `actor` issues to a consignee there, who hands the D/O to `to`. */
function entry(platform: Platform, document: Record<string, unknown>, actor: string, to: { platform: string; party: string }, previous?: string): string {
  const consignee = pintPartyOf(platform.code, 'demo-consignee', 'Consignee');
  const transactions: Transaction[] = [
    ...(previous === undefined ? [{ actionCode: 'ISSUE' as const, actor: pintPartyOf(platform.code, actor, actor), recipient: consignee, actionDateTime: at }] : []),
    { actionCode: 'TRANSFER', actor: previous === undefined ? consignee : pintPartyOf(platform.code, actor, actor), recipient: pintPartyOf(to.platform, to.party, to.party), actionDateTime: at },
  ];
  return signChainEntry({ platform: platform.code, document, transactions, ...(previous === undefined ? {} : { previous }) }, platform.signer);
}

const seal = (sender: Platform, document: Record<string, unknown>, chain: string[]): Envelope =>
  sealEnvelope({ document, chain, supportingDocuments: [{ name: 'do.pdf', size: pdf.length, mediaType: 'application/pdf', documentChecksum: pdfChecksum }] }, sender.signer);

async function send(from: Platform, method: 'POST' | 'PUT', path: string, body?: unknown) {
  const call = request(port.app)[method === 'POST' ? 'post' : 'put'](path).set('Authorization', signPeerRequest(from, { to: 'PORT', method, path, body, now: new Date() }));
  return body === undefined ? call : call.type('json').send(JSON.stringify(body));
}

/** PORT's signed answer, opened with PORT's key. */
function answerOf(body: unknown): Record<string, unknown> {
  const opened = openJws(String(body), (kid) => (kid === platformJwk(portKey).kid ? portKey : undefined));
  if (!opened.ok) throw new Error(`PORT's answer is not signed by PORT: ${JSON.stringify(body)}`);
  return opened.payload as Record<string, unknown>;
}

/** Sent by `from`: answered 422 BENV with `reason`, and neither the document nor a waiting envelope is kept. */
async function expectRefused(from: Platform, envelope: Envelope, reason: string): Promise<void> {
  const answer = await send(from, 'POST', '/pint/v3/envelopes', envelope);
  expect([answer.status, answerOf(answer.body)]).toEqual([422, expect.objectContaining({ responseCode: 'BENV', reason: expect.stringContaining(reason) })]);
  const last = signedContentChecksum(envelope.envelopeTransferChain.at(-1) ?? '');
  const issuing = JSON.parse(Buffer.from(envelope.envelopeTransferChain[0]?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { eblPlatform: string };
  expect(await port.store.getDocument(receivedDocumentIdOf(issuing.eblPlatform, canonicalHash(envelope.transportDocument)))).toBeUndefined();
  expect(await port.store.federation.recall('envelope', last, new Date().toISOString())).toBeUndefined();
  // Nor can the peer go on with it as if it had started.
  expect((await send(from, 'PUT', `/pint/v3/envelopes/${last}/finish-transfer`)).status).toBe(404);
}

it('the genuine case: CAR1 hosts the carrier (by SCAC) and its agent, and its envelope is RECE', async () => {
  const document = order('GENUINE');
  const envelope = seal(car, document, [entry(car, document, 'demo-agent-sha', { platform: 'PORT', party: 'demo-consignee' })]);
  const started = await send(car, 'POST', '/pint/v3/envelopes', envelope);
  expect(started.status).toBe(201);
  const reference = String(started.body.envelopeReference);
  expect((await send(car, 'PUT', `/pint/v3/envelopes/${reference}/additional-documents/${pdfChecksum}`, pdf.toString('base64'))).status).toBe(204);
  const finished = await send(car, 'PUT', `/pint/v3/envelopes/${reference}/finish-transfer`);
  expect([finished.status, answerOf(finished.body)['responseCode']]).toEqual([200, 'RECE']);
  expect(await port.store.getDocument(receivedDocumentIdOf('CAR1', canonicalHash(document)))).toMatchObject({ state: { issuer: 'CAR1:demo-agent-sha', holder: 'demo-consignee' } });
});

it('a peer that hosts neither the carrier nor its agent signs an ISSUE in their name: BENV', async () => {
  const document = order('NOT-FWDS');
  await expectRefused(fwd, seal(fwd, document, [entry(fwd, document, 'demo-agent-sha', { platform: 'PORT', party: 'demo-consignee' })]), 'FWD is not entitled to issue for demo-agent-sha');
});

it('an entitled peer issues a D/O naming a carrier it does not host: BENV', async () => {
  const document = order('OTHER-LINE', { carrier: { partyId: 'other-carrier', name: 'Other Line', scac: 'OTHL' } });
  await expectRefused(car, seal(car, document, [entry(car, document, 'demo-agent-sha', { platform: 'PORT', party: 'demo-consignee' })]), 'CAR1 is not entitled to issue for carrier OTHL');
});

it('a middle entry signed by a platform the entry before did not hand the document to: BENV', async () => {
  // CAR1 genuinely hands the D/O to DEPO; FWD, which never held it, signs the next entry to PORT.
  const document = order('HIJACK');
  const first = entry(car, document, 'demo-agent-sha', { platform: 'DEPO', party: 'demo-consignee' });
  const hijack = entry(fwd, document, 'demo-forwarder', { platform: 'PORT', party: 'demo-consignee' }, first);
  await expectRefused(fwd, seal(fwd, document, [first, hijack]), 'not by DEPO');
});

describe('sdx audit verify re-checks the chains PORT keeps with the same rules', () => {
  const env = (peersFile = join(dir, 'peers.json')) => ({ SDX_PLATFORM_CODE: 'PORT', SDX_PLATFORM_KEY_FILE: join(dir, 'port.key.pem'), SDX_PEERS_FILE: peersFile });

  /** `events` as a bundle under a head the log key signs, audited by the CLI with PORT's settings. */
  async function audited(name: string, events: LoggedEvent[], peersFile?: string) {
    const file = join(dir, `${name}.bundle.json`);
    let text = '';
    for await (const chunk of bundleLines(bundleHeader(await headOver(events), await storeParties(port.store)), events)) text += chunk;
    writeFileSync(file, text);
    const result = runSdx(['audit', 'verify', file, '--json'], { env: env(peersFile) });
    const problems = result.stdout ? (JSON.parse(result.stdout) as { problems: { code: string; documentId: string; message: string }[] }).problems : [];
    return { code: result.code, stderr: result.stderr, problems: problems.map((p) => [p.code, p.documentId, p.message]) };
  }

  async function portLog(): Promise<LoggedEvent[]> {
    return (await exportBundle(port.store, await openLogService(port.store, settingsOrThrow()).currentTreeHead())).events;
  }

  it('the chain PORT accepted holds; with a peers file where CAR1 no longer hosts the carrier, the audit names it', async () => {
    const events = await portLog();
    const received = receivedDocumentIdOf('CAR1', canonicalHash(order('GENUINE')));
    expect(events.filter((e) => e.documentId === received).map((e) => bodyOf(e).type)).toEqual(['transfer-in']);
    expect(await audited('genuine', events)).toEqual({ code: 0, stderr: '', problems: [] });

    const narrowed = join(dir, 'peers-no-carrier.json');
    writeFileSync(narrowed, JSON.stringify([{ code: 'CAR1', url: 'http://127.0.0.1:9', jwk: platformJwk(car.signer.key), parties: ['demo-agent-sha'] }]));
    expect(await audited('narrowed', events, narrowed)).toEqual({ code: 1, stderr: '', problems: [['transfer-chain-invalid', received, 'CAR1 is not entitled to issue for carrier POCL']] });
  });

  it('a transfer-in someone inserted, with a chain FWD issued in the carrier’s agent’s name, is reported', async () => {
    const events = await portLog();
    const document = order('INSERTED');
    const chain = [entry(fwd, document, 'demo-agent-sha', { platform: 'PORT', party: 'demo-consignee' })];
    const documentId = receivedDocumentIdOf('FWD', canonicalHash(document));
    const data = { from: 'FWD', chain, lastChecksum: signedContentChecksum(chain[0] ?? ''), pdfSha256: pdfChecksum };
    const crafted = await appendEvent(events, { documentId, kind: 'delivery-order', type: 'transfer-in', actor: { partyId: 'demo-consignee', userId: null }, payloadHash: canonicalHash(document), data }, { payload: document });
    expect(await audited('inserted', crafted)).toEqual({ code: 1, stderr: '', problems: [['transfer-chain-invalid', documentId, 'FWD is not entitled to issue for demo-agent-sha']] });
  });
});
