// Issue 14 through POST /verify on a test app that issued the genuine documents: a case of each
// forgery class, crafted with the attacker's toolkit, and the app's own lifecycles staying genuine.
import type { PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import type { DocumentKind } from '../../src/domain/document/document';
import { gateRecord as gateRecordSchema } from '../../src/domain/eir/eir.schema';
import { parseOrThrow } from '../../src/domain/shared/schema';
import { expectFinding, expectLastSignatureSoundInPdfsig, expectVerdict } from '../support/forgery-expect';
import { apiDocuments, demoDocuments, genuineOf, verifiedByUpload, type GenuineDocument } from '../support/forgery-sources';
import {
  BODY_BAND,
  addAnnotation,
  addEmptySignatureField,
  addFakeSignatureText,
  expiredSigner,
  partySigner,
  reRenderAndSign,
  revisionCount,
  sdxStyleSign,
  signUpdate,
} from '../support/pdf-forgery-kit';
import { unsignedPdf } from '../support/pdf-test-signing';
import type { TestApp } from '../support/test-app';
import { P, gateRecordExample, useExchange, type PartyName } from './exchange-client';

jest.setTimeout(60_000);

let t: TestApp;
const issued = new Map<DocumentKind, GenuineDocument>();
const demo = new Map<DocumentKind, GenuineDocument>();

useExchange(async (app, client) => {
  t = app;
  for (const doc of await apiDocuments(client)) issued.set(doc.kind, doc);
  for (const doc of await demoDocuments()) demo.set(doc.kind, doc);
}, undefined, 120_000);

const postVerify = (pdf: Uint8Array): Promise<PdfVerificationReport> => verifiedByUpload(t.app, pdf, 'forged.pdf');

const api = (kind: DocumentKind): GenuineDocument => genuineOf(issued, kind);

const kinds: DocumentKind[] = ['delivery-order', 'eir', 'telex-release-guarantee'];
const attacker = (doc: GenuineDocument): PartyName => doc.countersigner ?? P.forwarder;

describe('POST /verify: the exchange’s own documents', () => {
  it.each(kinds)('when the issued %s is posted as the ledger holds it: valid, recorded, genuine', async (kind) => {
    const report = await postVerify(api(kind).firstSigned);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('recorded');
    expect(report.summary.outcome).toBe('genuine');
  });

  it.each(['eir', 'telex-release-guarantee'] as const)('when the %s countersigned through its lifecycle is posted: valid, recorded, issuer then countersigner', async (kind) => {
    const doc = api(kind);
    const report = await postVerify(doc.complete as Uint8Array);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('recorded');
    expect(report.summary.outcome).toBe('genuine');
    expect(report.signatures.map((s) => [s.signerPartyId, s.role])).toEqual([
      [doc.issuer, 'issuer'],
      [doc.countersigner, 'countersigner'],
    ]);
  });

  it('when a demo document this exchange never issued is posted: valid-not-recorded, document-not-in-ledger (not the same as a forgery)', async () => {
    const report = await postVerify(demo.get('delivery-order')?.firstSigned as Uint8Array);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('unknown-document');
    expect(report.summary.outcome).toBe('valid-not-recorded');
    expectFinding(report, { code: 'document-not-in-ledger', status: 'skipped' });
  });
});

describe('POST /verify, class 1: visible change after signature 1', () => {
  it.each(kinds)('when the issued %s gets an empty signature field whiting out the body, then a valid countersignature: invalid, forged, field-added-after-signature', async (kind) => {
    const doc = api(kind);
    const staged = addEmptySignatureField(doc.firstSigned, { name: 'approval', rect: BODY_BAND, page: 'first', lines: ['Consignee: Bund Freight Forwarding (demo)'] });
    const pdf = await sdxStyleSign(staged, partySigner(attacker(doc)));
    expectLastSignatureSoundInPdfsig(pdf);
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'field-added-after-signature', revision: revisionCount(doc.firstSigned) });
    expect(report.summary.outcome).toBe('forged');
  });

  it('when the gate-recorded EIR gets a FreeText annotation hiding the damage lines, then the haulier countersigns: invalid, annotation-added-after-signature', async () => {
    const doc = api('eir');
    const staged = addAnnotation(doc.firstSigned, { rect: BODY_BAND, page: 'first', lines: ['Condition: SOUND', 'Damages: none'] });
    const pdf = await sdxStyleSign(staged, partySigner(P.haulierA));
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'annotation-added-after-signature', revision: revisionCount(doc.firstSigned) });
  });

  it('when a foreign PDF signed with a party key gets a second signature whose widget whites out the page: indeterminate, never valid', async () => {
    const once = await signUpdate(await unsignedPdf(), partySigner(P.forwarder), { field: { create: 'Signature1' } });
    const pdf = await signUpdate(once, partySigner(P.haulierA), { field: { create: 'Signature2', rect: [40, 600, 560, 800], page: 0 }, lines: ['release to ANYONE'] });
    const report = await postVerify(pdf);
    expectVerdict(report, 'indeterminate');
    expectFinding(report, { code: 'visible-change-after-signature', status: 'indeterminate' });
    expect(report.summary.outcome).toBe('indeterminate');
  });
});

function forgery(doc: GenuineDocument): { payload: Record<string, unknown>; gateRecord?: ReturnType<typeof soundGateRecord> } {
  const payload = structuredClone(doc.payload);
  if (doc.kind === 'eir') return { payload, gateRecord: soundGateRecord() };
  payload['consignee'] = { ...(payload['consignee'] as Record<string, unknown>), name: 'Bund Freight Forwarding (demo)' };
  return { payload };
}

function soundGateRecord() {
  return parseOrThrow(gateRecordSchema, { ...gateRecordExample(), condition: 'sound', damages: [] });
}

describe('POST /verify, class 2: signer substitution', () => {
  const substitute: Record<DocumentKind, PartyName> = { 'delivery-order': P.forwarder, eir: P.haulierA, 'telex-release-guarantee': P.agentPus };

  it.each(kinds)('when the issued %s is re-rendered with a changed value and signed by another party: invalid, not-the-issued-document', async (kind) => {
    const doc = api(kind);
    const pdf = await reRenderAndSign(doc.firstSigned, { kind, ...forgery(doc), signer: partySigner(substitute[kind]) });
    expectLastSignatureSoundInPdfsig(pdf);
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expect(report.ledger).toBe('not-the-issued-document');
    expectFinding(report, { code: 'not-the-issued-document' });
    expectFinding(report, { code: 'signer-not-issuer' });
    expect(report.summary.outcome).toBe('forged');
  });

  it('when the issuer itself re-renders its issued D/O with another consignee and signs it: invalid against the ledger, not-the-issued-document', async () => {
    const doc = api('delivery-order');
    const pdf = await reRenderAndSign(doc.firstSigned, { kind: 'delivery-order', ...forgery(doc), signer: partySigner(doc.issuer) });
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expect(report.ledger).toBe('not-the-issued-document');
    expectFinding(report, { code: 'not-the-issued-document' });
  });
});

describe('POST /verify, class 3: an expired certificate with back-dated claims', () => {
  it('when the issued D/O is countersigned with the expired certificate, /M and signing-time inside its validity: invalid at signature[1].validity', async () => {
    const inside = new Date('2026-01-01T12:00:00Z');
    const pdf = await sdxStyleSign(api('delivery-order').firstSigned, expiredSigner(), { signingTime: inside, cmsSigningTime: inside });
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expect(report.findings.find((f) => f.check === 'signature[1].validity')?.status).toBe('invalid');
  });
});

describe('POST /verify, class 4: loose CMS and dictionaries', () => {
  it('when the issued guarantee is accepted with a second bogus SignerInfo in the CMS: invalid, multiple-signer-infos', async () => {
    const doc = api('telex-release-guarantee');
    const pdf = await sdxStyleSign(doc.firstSigned, partySigner(P.agentPus), { secondSignerInfo: { signer: partySigner(P.forwarder) } });
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'multiple-signer-infos', check: /^signature\[1\]\.signer-infos$/ });
  });

  it.each([
    ['/SubFilter adbe.x509.rsa_sha1', { subFilter: 'adbe.x509.rsa_sha1' }],
    ['no /Filter', { filter: null }],
    ['a CMS signature under /Type /DocTimeStamp', { type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161' }],
  ] as const)('when a PDF is signed with a party key under %s: invalid, unsupported-signature-format', async (_what, options) => {
    const pdf = await signUpdate(await unsignedPdf(), partySigner(P.forwarder), { field: { create: 'Signature1' }, ...options });
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'unsupported-signature-format' });
  });

  it('when the signature timestamp’s genTime is a year in the future: invalid, timestamp-in-future', async () => {
    const pdf = await sdxStyleSign(api('delivery-order').firstSigned, partySigner(P.forwarder), { timestampAt: new Date(Date.now() + 365 * 86_400_000) });
    const report = await postVerify(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'timestamp-in-future', check: /^signature\[1\]\.timestamp$/ });
  });

  it('when an unsigned PDF carries signature-dictionary text inside a stream: invalid, no-signatures, no signature listed', async () => {
    const report = await postVerify(await addFakeSignatureText(await unsignedPdf(), partySigner(P.forwarder)));
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'no-signatures' });
    expect(report.signatures).toEqual([]);
  });
});
