// Issue 14: every class of forgery crafted here, by an attacker who holds one party's certificate
// and key, against the offline verifier (verifyPdf). Sources: the demo files (as `sdx demo` writes
// them) and documents issued through the API. POST /verify and `sdx verify` repeat a case of each
// class in test/http/verify-forgery.test.ts and test/cli/verify-forgery.test.ts.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { PDFDocument } from 'pdf-lib';
import { loadTrustMaterialFromPem } from '../../../../src/adapters/pki/certificate-validation';
import { x509 } from '../../../../src/adapters/pki/x509';
import type { DocumentKind } from '../../../../src/domain/document/document';
import { gateRecord as gateRecordSchema } from '../../../../src/domain/eir/eir.schema';
import { parseOrThrow } from '../../../../src/domain/shared/schema';
import { Client, P, gateRecordExample, type PartyName } from '../../../http/exchange-client';
import {
  expectFinding,
  expectLastSignatureSoundInPdfsig,
  expectNoFinding,
  expectSignatureCryptoValid,
  expectVerdict,
  verifyOffline,
} from '../../../support/forgery-expect';
import { certsDevPath, certsDevText } from '../../../support/certs-dev';
import { apiDocuments, demoDocuments, type GenuineDocument } from '../../../support/forgery-sources';
import { itWith } from '../../../support/external-tools';
import {
  BODY_BAND,
  addAnnotation,
  addEmptySignatureField,
  addFakeSignatureText,
  addPageContent,
  expiredSigner,
  fields,
  findField,
  lastXref,
  identitySigner,
  partySigner,
  reRenderAndSign,
  replaceAppearance,
  revisionCount,
  sdxStyleSign,
  signUpdate,
  type Rect,
} from '../../../support/pdf-forgery-kit';
import { embeddedSignatures, opensslCmsVerify, qpdfCheck, type EmbeddedSignature } from '../../../support/pdf-signature-tools';
import { testIdentity, unsignedPdf, type TestIdentity } from '../../../support/pdf-test-signing';
import { startTestApp, type TestApp } from '../../../support/test-app';

jest.setTimeout(60_000);

const kinds: DocumentKind[] = ['delivery-order', 'eir', 'telex-release-guarantee'];
const sources = kinds.flatMap((kind) => [['demo', kind] as const, ['api', kind] as const]);
const documents = new Map<string, GenuineDocument>();
let app: TestApp | undefined;

beforeAll(async () => {
  for (const doc of await demoDocuments()) documents.set(`demo ${doc.kind}`, doc);
  app = await startTestApp();
  for (const doc of await apiDocuments(new Client(app))) documents.set(`api ${doc.kind}`, doc);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

function source(origin: 'demo' | 'api', kind: DocumentKind): GenuineDocument {
  const doc = documents.get(`${origin} ${kind}`);
  if (!doc) throw new Error(`no ${origin} ${kind}`);
  return doc;
}

/** The party that attacks: the lifecycle's own countersigner where there is one, else a forwarder. */
function attackerOf(doc: GenuineDocument): PartyName {
  return doc.countersigner ?? P.forwarder;
}

/** What the white box says instead of the consignee or the damage lines. */
function coverText(kind: DocumentKind): string[] {
  return kind === 'eir' ? ['Condition: SOUND', 'Damages: none'] : ['Consignee: Bund Freight Forwarding (demo)', 'USCC 91310000000000009X'];
}

describe('class 1: visible change through signature fields and annotations after signature 1 (SDX documents)', () => {
  describe.each(sources)('%s %s', (origin, kind) => {
    it('when a revision adds an empty signature field whose widget whites out the body, then another party countersigns: invalid, field-added-after-signature', async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const staged = addEmptySignatureField(doc.firstSigned, { name: 'approval', rect: BODY_BAND, page: 'first', lines: coverText(kind) });
      const pdf = await sdxStyleSign(staged, partySigner(attackerOf(doc)));
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'field-added-after-signature', revision: attackAt, check: /^document\.changes-after-signature\[0\]$/ });
      expectSignatureCryptoValid(report, 1);
      expectLastSignatureSoundInPdfsig(pdf);
    });

    it('when the second signature sits in its own new field whose appearance whites out the body: invalid, field-added-after-signature', async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const pdf = await signUpdate(doc.firstSigned, partySigner(attackerOf(doc)), {
        field: { create: 'approval', rect: BODY_BAND, page: 'first' },
        lines: coverText(kind),
      });
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'field-added-after-signature', revision: attackAt });
      expectSignatureCryptoValid(report, 1);
      expectLastSignatureSoundInPdfsig(pdf);
    });

    it("when the issuer's signed widget gets a new appearance (white box + text), then the document is countersigned: invalid, appearance-changed-after-signature", async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const staged = replaceAppearance(doc.firstSigned, { field: 'sdx-issuer', lines: ['Signed by Bund Freight Forwarding', 'for the carrier'] });
      const pdf = await sdxStyleSign(staged, partySigner(attackerOf(doc)));
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'appearance-changed-after-signature', revision: attackAt });
      expectSignatureCryptoValid(report, 1);
      expectLastSignatureSoundInPdfsig(pdf);
    });

    it('when a FreeText annotation whose appearance whites out the body is added, then the document is countersigned: invalid, annotation-added-after-signature', async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const staged = addAnnotation(doc.firstSigned, { subtype: 'FreeText', rect: BODY_BAND, page: 'first', lines: coverText(kind) });
      const pdf = await sdxStyleSign(staged, partySigner(attackerOf(doc)));
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'annotation-added-after-signature', revision: attackAt });
      expectLastSignatureSoundInPdfsig(pdf);
    });

    it('when a Stamp annotation is added with no countersignature after it: invalid', async () => {
      const doc = source(origin, kind);
      const pdf = addAnnotation(doc.firstSigned, { subtype: 'Stamp', rect: [300, 600, 500, 700], page: 'first', lines: ['RELEASED'] });
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: ['annotation-added-after-signature', 'unsigned-update-after-signature'], revision: revisionCount(doc.firstSigned) });
    });

    it('when a content stream whiting out the body is appended to the page, then the document is countersigned: invalid, page-content-changed-after-signature', async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const staged = addPageContent(doc.firstSigned, { rect: BODY_BAND, page: 'first', lines: coverText(kind) });
      const pdf = await sdxStyleSign(staged, partySigner(attackerOf(doc)));
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'page-content-changed-after-signature', revision: attackAt });
    });
  });

  describe.each(sources.filter(([, kind]) => kind !== 'delivery-order'))('%s %s (a reserved countersignature field)', (origin, kind) => {
    it('when the empty reserved sdx-counter widget gets an appearance first and the countersigner then fills it: invalid, reserved-field-changed', async () => {
      const doc = source(origin, kind);
      const attackAt = revisionCount(doc.firstSigned);
      const counter = findField(doc.firstSigned, 'sdx-counter');
      expect(counter).toMatchObject({ name: 'sdx-counter', signed: false });
      const staged = replaceAppearance(doc.firstSigned, { field: 'sdx-counter', lines: coverText(kind) });
      // Filled without a new appearance, so the one drawn before the signature is what shows.
      const pdf = await signUpdate(staged, partySigner(attackerOf(doc)), { field: { fill: 'sdx-counter' } });
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: ['reserved-field-changed', 'appearance-changed-after-signature'], revision: attackAt });
      expectSignatureCryptoValid(report, 1);
      expectLastSignatureSoundInPdfsig(pdf);
    });

    it('when the reserved sdx-counter widget is moved over the body while being signed: invalid, reserved-field-changed', async () => {
      const doc = source(origin, kind);
      const moved = replaceAppearance(doc.firstSigned, { field: 'sdx-counter', lines: coverText(kind), rect: BODY_BAND });
      const pdf = await signUpdate(moved, partySigner(attackerOf(doc)), { field: { fill: 'sdx-counter' } });
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'reserved-field-changed' });
    });

    it('when a party the lifecycle does not allow fills sdx-counter: invalid, signer-not-allowed', async () => {
      const doc = source(origin, kind);
      const pdf = await sdxStyleSign(doc.firstSigned, partySigner(P.forwarder));
      const report = await verifyOffline(pdf);
      expectVerdict(report, 'invalid');
      expectFinding(report, { code: 'signer-not-allowed', check: /^signature\[1\]\.signer$/ });
    });
  });
});

describe('class 1 on a foreign PDF (no SDX marker): a visible change after a signature is indeterminate, never valid', () => {
  let alice: TestIdentity;
  let bob: TestIdentity;
  let trust: ReturnType<typeof loadTrustMaterialFromPem>;
  let signedOnce: Uint8Array;
  const aliceBox: Rect = [330, 40, 550, 100];

  beforeAll(async () => {
    alice = await testIdentity('ec-p256', 'Alice Foreign Signer');
    bob = await testIdentity('ec-p256', 'Bob Foreign Signer');
    trust = loadTrustMaterialFromPem({ anchors: [alice, bob].map((id) => new x509.X509Certificate(id.certificate).toString('pem')) });
    signedOnce = await signUpdate(await unsignedPdf(), identitySigner(alice), {
      field: { create: 'Signature1', rect: aliceBox, page: 0 },
      lines: ['Signed by Alice'],
    });
  });

  it('when signed once, then it is valid (the control)', async () => {
    const report = await verifyOffline(signedOnce, trust);
    expectVerdict(report, 'valid');
    expect(report.document?.profile).toBe('foreign');
  });

  it.each([
    ['an empty signature field whose widget whites out the page, then a second invisible signature', async (pdf: Uint8Array) =>
      signUpdate(addEmptySignatureField(pdf, { name: 'Signature2', rect: [40, 600, 560, 800], page: 0, lines: ['Delivery order DO-TEST-1: release to ANYONE'] }), identitySigner(bob), {
        field: { create: 'Signature3', page: 0 },
      })],
    ['a second signature in a new field whose appearance whites out the page', async (pdf: Uint8Array) =>
      signUpdate(pdf, identitySigner(bob), { field: { create: 'Signature2', rect: [40, 600, 560, 800], page: 0 }, lines: ['release to ANYONE'] })],
    ["the first signature's widget given a new appearance, then a second invisible signature", async (pdf: Uint8Array) =>
      signUpdate(replaceAppearance(pdf, { field: 'Signature1', lines: ['Signed by Someone Else'] }), identitySigner(bob), { field: { create: 'Signature2', page: 0 } })],
    ['a FreeText annotation over the text, then a second invisible signature', async (pdf: Uint8Array) =>
      signUpdate(addAnnotation(pdf, { rect: [40, 760, 560, 800], page: 0, lines: ['release to ANYONE'] }), identitySigner(bob), { field: { create: 'Signature2', page: 0 } })],
  ])('when %s: indeterminate, visible-change-after-signature', async (_what, attack) => {
    const pdf = await attack(signedOnce);
    const report = await verifyOffline(pdf, trust);
    expectVerdict(report, 'indeterminate');
    expectFinding(report, { code: 'visible-change-after-signature', status: 'indeterminate', revision: revisionCount(signedOnce) });
    expectSignatureCryptoValid(report, 1);
    expect(report.summary?.outcome).toBe('indeterminate');
  });

  it('when two pre-existing empty signature fields are signed one after the other: valid', async () => {
    const withFields = addEmptySignatureField(
      addEmptySignatureField(await unsignedPdf(), { name: 'Approver1', rect: [40, 40, 280, 100], page: 0 }),
      { name: 'Approver2', rect: [310, 40, 550, 100], page: 0 },
    );
    const once = await signUpdate(withFields, identitySigner(alice), { field: { fill: 'Approver1' }, lines: ['Signed by Alice'] });
    const twice = await signUpdate(once, identitySigner(bob), { field: { fill: 'Approver2' }, lines: ['Signed by Bob'] });
    const report = await verifyOffline(twice, trust);
    expectVerdict(report, 'valid');
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures.map((s) => s.fieldName)).toEqual(['Approver1', 'Approver2']);
    expectLastSignatureSoundInPdfsig(twice);
  });

  it('when two pre-existing invisible signature fields are signed one after the other: valid', async () => {
    const withFields = addEmptySignatureField(
      addEmptySignatureField(await unsignedPdf(), { name: 'Hidden1', rect: [0, 0, 0, 0], page: 0 }),
      { name: 'Hidden2', rect: [0, 0, 0, 0], page: 0 },
    );
    const once = await signUpdate(withFields, identitySigner(alice), { field: { fill: 'Hidden1' } });
    const twice = await signUpdate(once, identitySigner(bob), { field: { fill: 'Hidden2' } });
    expectVerdict(await verifyOffline(twice, trust), 'valid');
  });
});

/** The payload shown in a forgery: another consignee (D/O, guarantee), or for an EIR no damages. */
function forgedContent(doc: GenuineDocument): { payload: Record<string, unknown>; gateRecord?: ReturnType<typeof sound> } {
  const payload = structuredClone(doc.payload);
  if (doc.kind !== 'eir') {
    payload['consignee'] = { ...(payload['consignee'] as Record<string, unknown>), name: 'Bund Freight Forwarding (demo)', nameZh: '外滩货运（演示）' };
    return { payload };
  }
  return { payload, gateRecord: sound() };
}

function sound() {
  return parseOrThrow(gateRecordSchema, { ...gateRecordExample(), condition: 'sound', damages: [] });
}

/** A party with a valid certs-dev certificate that the payload does not name as an issuer. */
function substitute(kind: DocumentKind): PartyName {
  return kind === 'delivery-order' ? P.forwarder : kind === 'eir' ? P.haulierA : P.agentPus;
}

describe('class 2: signer substitution (a re-rendered first revision with /Info id and payload hash kept)', () => {
  let outsider: TestIdentity;
  beforeAll(async () => {
    outsider = await testIdentity('ec-p256', 'Outsider Without Party');
  });

  it.each(sources)('when the %s %s is re-rendered with a changed value and signed by another party: invalid offline, signer-not-issuer', async (origin, kind) => {
    const doc = source(origin, kind);
    const forged = forgedContent(doc);
    const pdf = await reRenderAndSign(doc.firstSigned, {
      kind,
      payload: forged.payload,
      ...(forged.gateRecord ? { gateRecord: forged.gateRecord } : {}),
      signer: partySigner(substitute(kind)),
    });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'signer-not-issuer', check: /^signature\[0\]\.signer$/ });
    expect(report.document?.documentId).toBe(doc.id);
    expectSignatureCryptoValid(report, 0);
    expectLastSignatureSoundInPdfsig(pdf);
  });

  it('when a re-rendered D/O is signed by a certificate that names no SDX party: invalid, signer-not-identified', async () => {
    const doc = source('demo', 'delivery-order');
    const pdf = await reRenderAndSign(doc.firstSigned, { kind: doc.kind, payload: forgedContent(doc).payload, signer: identitySigner(outsider) });
    // Its certificate is trusted here, so only who it names can make the verdict invalid.
    const trust = loadTrustMaterialFromPem({
      anchors: [certsDevText('root-ca.pem'), new x509.X509Certificate(outsider.certificate).toString('pem')],
      intermediates: [certsDevText('issuing-ca.pem')],
    });
    const report = await verifyOffline(pdf, trust);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'signer-not-identified' });
  });
});

describe('class 3: an expired certificate with back-dated claims', () => {
  const inside = new Date('2026-01-01T12:00:00Z');

  it('when a foreign PDF is signed with the expired certificate, no timestamp, /M and CMS signing-time inside its validity: invalid at signature[0].validity', async () => {
    const pdf = await signUpdate(await unsignedPdf(), expiredSigner(), { field: { create: 'Signature1' }, signingTime: inside, cmsSigningTime: inside });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expect(report.findings.find((f) => f.check === 'signature[0].validity')?.status).toBe('invalid');
    expectSignatureCryptoValid(report, 0);
    expectLastSignatureSoundInPdfsig(pdf);
  });

  it('when the expired certificate signs with no /M and only a CMS signing-time inside its validity: invalid at signature[0].validity', async () => {
    const pdf = await signUpdate(await unsignedPdf(), expiredSigner(), { field: { create: 'Signature1' }, signingTime: null, cmsSigningTime: inside });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expect(report.findings.find((f) => f.check === 'signature[0].validity')?.status).toBe('invalid');
    expect(report.signatures[0]?.trustedTime).toBeNull();
  });

  it.each(sources.filter(([origin]) => origin === 'api'))('when the %s %s is countersigned with the expired certificate and back-dated claims: invalid at signature[1].validity', async (origin, kind) => {
    const doc = source(origin, kind);
    const pdf = await sdxStyleSign(doc.firstSigned, expiredSigner(), { signingTime: inside, cmsSigningTime: inside });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expect(report.findings.find((f) => f.check === 'signature[1].validity')?.status).toBe('invalid');
  });
});

describe('class 4: loose CMS and signature dictionaries', () => {
  const forwarder = () => partySigner(P.forwarder);
  const foreign = async (options: Omit<Parameters<typeof signUpdate>[2], 'field'>) =>
    signUpdate(await unsignedPdf(), forwarder(), { field: { create: 'Signature1' }, ...options });

  it('when signed plainly with a party certificate (the control): valid', async () => {
    expectVerdict(await verifyOffline(await foreign({})), 'valid');
  });

  it('when the /SubFilter is adbe.pkcs7.detached (the other accepted one): valid', async () => {
    expectVerdict(await verifyOffline(await foreign({ subFilter: 'adbe.pkcs7.detached' })), 'valid');
  });

  it('when a second, bogus SignerInfo follows a valid first one: invalid, multiple-signer-infos', async () => {
    const pdf = await foreign({ secondSignerInfo: { signer: partySigner(P.haulierA) } });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'multiple-signer-infos', check: /^signature\[0\]\.signer-infos$/ });
    expectLastSignatureSoundInPdfsig(pdf);
  });

  it('when the second SignerInfo is by the same signer: invalid, multiple-signer-infos', async () => {
    const report = await verifyOffline(await foreign({ secondSignerInfo: {} }));
    expectFinding(report, { code: 'multiple-signer-infos' });
  });

  it.each([
    ['/Filter is missing', { filter: null }],
    ['/Filter is another handler', { filter: 'Entrust.PPKEF' }],
    ['/SubFilter is unknown', { subFilter: 'sdx.forged.detached' }],
    ['/SubFilter is missing', { subFilter: null }],
    ['/SubFilter is adbe.x509.rsa_sha1 over a CMS', { subFilter: 'adbe.x509.rsa_sha1' }],
    ['a CMS signature sits under /Type /DocTimeStamp with /SubFilter ETSI.RFC3161', { type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161' }],
    ['a CMS signature sits under /Type /DocTimeStamp with /SubFilter ETSI.CAdES.detached', { type: 'DocTimeStamp' }],
  ] as const)('when %s: invalid, unsupported-signature-format', async (_what, options) => {
    const pdf = await foreign(options);
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'unsupported-signature-format', check: /^signature\[0\]\.format$/ });
    expectSignatureCryptoValid(report, 0);
  });

  it('when a real RFC 3161 document timestamp sits under /Type /DocTimeStamp /SubFilter ETSI.RFC3161: its format is not refused', async () => {
    const signed = await foreign({});
    const pdf = await signUpdate(signed, forwarder(), { field: { create: 'DocTS' }, type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161', contents: 'timestamp-token', signingTime: null });
    expectNoFinding(await verifyOffline(pdf), 'unsupported-signature-format');
  });

  it('when the signature timestamp has a genTime one year in the future: invalid, timestamp-in-future', async () => {
    const future = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    const pdf = await foreign({ timestampAt: future });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'timestamp-in-future', check: /^signature\[0\]\.timestamp$/ });
    expectLastSignatureSoundInPdfsig(pdf);
  });

  it('when the signature timestamp is from now (the control): valid, with a trusted time', async () => {
    const report = await verifyOffline(await foreign({ timestampAt: new Date() }));
    expectVerdict(report, 'valid');
    expect(report.signatures[0]?.trustedTime).toEqual(expect.any(String));
  });

  it('when an unsigned PDF carries, inside a stream, text that looks like a signature dictionary whose valid CMS covers the file: invalid, no-signatures', async () => {
    const pdf = await addFakeSignatureText(await unsignedPdf(), forwarder());
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'no-signatures' });
    expect(report.signatures).toEqual([]);
  });

  it('when a signed PDF carries such text in a stream before its one real signature: one signature, valid', async () => {
    const pdf = await signUpdate(await addFakeSignatureText(await unsignedPdf(), forwarder()), forwarder(), { field: { create: 'Signature1' } });
    const report = await verifyOffline(pdf);
    expect(report.signatures).toHaveLength(1);
    expectVerdict(report, 'valid');
  });

  it.each(sources.filter(([origin]) => origin === 'api'))('when the %s %s is countersigned with a second bogus SignerInfo: invalid, multiple-signer-infos', async (origin, kind) => {
    const doc = source(origin, kind);
    const pdf = await sdxStyleSign(doc.firstSigned, partySigner(attackerOf(doc)), { secondSignerInfo: {} });
    expectFinding(await verifyOffline(pdf), { code: 'multiple-signer-infos', check: /^signature\[1\]\.signer-infos$/ });
  });
});

describe("SDX's own documents stay valid", () => {
  it.each(sources)('when the %s %s is verified after its first signature: valid', async (origin, kind) => {
    const report = await verifyOffline(source(origin, kind).firstSigned);
    expectVerdict(report, 'valid');
    expect(report.document?.profile).toBe('sdx');
  });

  it.each(sources.filter(([, kind]) => kind !== 'delivery-order'))('when the %s %s is verified after its countersignature: valid, issuer then countersigner', async (origin, kind) => {
    const doc = source(origin, kind);
    const report = await verifyOffline(doc.complete as Uint8Array);
    expectVerdict(report, 'valid');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'countersigner']);
    expect(report.signatures.map((s) => s.signerPartyId)).toEqual([doc.issuer, doc.countersigner]);
  });

  it.each(sources.filter(([, kind]) => kind !== 'delivery-order'))("when the kit countersigns the %s %s as the lifecycle's countersigner (the kit's control): valid", async (origin, kind) => {
    const doc = source(origin, kind);
    const pdf = await sdxStyleSign(doc.firstSigned, partySigner(doc.countersigner as PartyName));
    expectVerdict(await verifyOffline(pdf), 'valid');
  });
});

describe('the toolkit writes well-formed PDFs and sound signatures', () => {
  const pki = (() => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-forgery-pki-'));
    copyFileSync(certsDevPath('root-ca.pem'), join(dir, 'root.pem'));
    copyFileSync(certsDevPath('issuing-ca.pem'), join(dir, 'issuing.pem'));
    return dir;
  })();

  itWith('openssl')('when signature-dictionary text is hidden in a stream, then its CMS really verifies over the whole file (so only its place betrays it)', async () => {
    const pdf = await addFakeSignatureText(await unsignedPdf(), partySigner(P.forwarder));
    const [fake] = embeddedSignatures(pdf);
    expect(fake?.byteRange[3]).toBe(pdf.length - (fake?.byteRange[2] ?? 0));
    expect(opensslCmsVerify(fake as EmbeddedSignature, pki)).toMatchObject({ ok: true });
  });

  itWith('openssl')('when the CMS gets a signing-time attribute, a future timestamp and a second SignerInfo, then the first SignerInfo and the timestamp stay sound (the verifier reads both), while openssl refuses the bogus second', async () => {
    const future = new Date(Date.now() + 365 * 86_400_000);
    const pdf = await signUpdate(await unsignedPdf(), partySigner(P.forwarder), {
      field: { create: 'Signature1' },
      cmsSigningTime: new Date('2026-01-01T12:00:00Z'),
      timestampAt: future,
      secondSignerInfo: { signer: partySigner(P.haulierA) },
    });
    const [signature] = embeddedSignatures(pdf);
    const signedData = AsnConvert.parse(AsnConvert.parse((signature as EmbeddedSignature).cms, ContentInfo).content, SignedData);
    expect(signedData.signerInfos).toHaveLength(2);
    expect(signedData.signerInfos[0]?.signedAttrs?.map((a) => a.attrType)).toContain('1.2.840.113549.1.9.5');
    // The second SignerInfo signs other bytes, so openssl (which checks every SignerInfo) refuses the whole CMS.
    expect(opensslCmsVerify(signature as EmbeddedSignature, pki).ok).toBe(false);
    const report = await verifyOffline(pdf);
    expectSignatureCryptoValid(report, 0);
    expect(report.signatures[0]?.timestampTime).toBe(new Date(Math.floor(future.getTime() / 1000) * 1000).toISOString());
  });

  itWith('openssl')('when the CMS gets only a signing-time attribute, then openssl verifies it', async () => {
    const pdf = await signUpdate(await unsignedPdf(), partySigner(P.forwarder), { field: { create: 'Signature1' }, cmsSigningTime: new Date('2026-01-01T12:00:00Z'), signingTime: null });
    const [signature] = embeddedSignatures(pdf);
    expect(opensslCmsVerify(signature as EmbeddedSignature, pki)).toMatchObject({ ok: true });
  });

  itWith('qpdf')('when the PDF ends in a cross-reference stream, then an update appended to it reads back and signs', async () => {
    const doc = await PDFDocument.load(await unsignedPdf());
    const compact = await doc.save({ useObjectStreams: true });
    expect(lastXref(compact).kind).toBe('stream');
    const annotated = addAnnotation(compact, { rect: [40, 700, 300, 760], page: 0, lines: ['over'] });
    const pdf = await signUpdate(annotated, partySigner(P.forwarder), { field: { create: 'Signature1' } });
    expect(qpdfCheck(pdf).output).toContain('No syntax or stream encoding errors found');
    expect(fields(pdf).map((f) => f.name)).toEqual(['Signature1']);
    expectSignatureCryptoValid(await verifyOffline(pdf), 0);
  });

  itWith('qpdf')('when every kind of update is stacked on a signed SDX document, then qpdf finds no syntax error', async () => {
    const doc = source('api', 'delivery-order');
    let pdf = addEmptySignatureField(doc.firstSigned, { name: 'approval', rect: BODY_BAND, page: 'first', lines: ['x'] });
    pdf = addAnnotation(pdf, { rect: BODY_BAND, page: 'first', lines: ['y'] });
    pdf = replaceAppearance(pdf, { field: 'sdx-issuer', lines: ['z'] });
    pdf = addPageContent(pdf, { rect: BODY_BAND, page: 'first', lines: ['w'] });
    pdf = await signUpdate(pdf, partySigner(P.forwarder), { field: { fill: 'approval' } });
    const check = qpdfCheck(pdf);
    expect(check.output).toContain('No syntax or stream encoding errors found');
    expectLastSignatureSoundInPdfsig(pdf);
    expect(revisionCount(pdf)).toBe(revisionCount(doc.firstSigned) + 5);
  });
});
