// The ledger check on PAdES B-LTA documents: the PDF an event stores is the party's signed revision
// followed by the validation data (DSS) and document timestamp the service appends, so the signed
// revision itself is never a stored PDF. The exchange's own documents must stay genuine; a revision
// slipped in anywhere must not.
import request from 'supertest';
import type { PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import type { DocumentKind } from '../../src/domain/document/document';
import { openEtsiReport, type EtsiValidationReport } from '../../src/application/etsi-report';
import { certsDevCertificate } from '../support/certs-dev';
import { expectFinding, expectVerdict } from '../support/forgery-expect';
import { apiDocuments, genuineOf, verifiedByUpload, type GenuineDocument } from '../support/forgery-sources';
import { BODY_BAND, addAnnotation, partySigner, revisionCount, sdxStyleSign } from '../support/pdf-forgery-kit';
import type { TestApp } from '../support/test-app';
import { P, useExchange } from './exchange-client';

jest.setTimeout(60_000);

let t: TestApp;
const issued = new Map<DocumentKind, GenuineDocument>();

useExchange(
  async (app, client) => {
    t = app;
    for (const doc of await apiDocuments(client)) issued.set(doc.kind, doc);
  },
  { env: { SDX_PADES_LEVEL: 'LTA' } },
  120_000,
);

const postVerify = (pdf: Uint8Array): Promise<PdfVerificationReport> => verifiedByUpload(t.app, pdf, 'doc.pdf');

const api = (kind: DocumentKind): GenuineDocument => genuineOf(issued, kind);

describe('POST /verify on B-LTA documents the exchange issued', () => {
  it.each(['delivery-order', 'eir', 'telex-release-guarantee'] as const)('when the issued %s (signature, DSS, document timestamp) is posted: valid, recorded, genuine', async (kind) => {
    const pdf = api(kind).firstSigned;
    // Three revisions at least: the signature, the validation data, the document timestamp.
    expect(revisionCount(pdf)).toBeGreaterThanOrEqual(3);
    const report = await postVerify(pdf);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('recorded');
    expect(report.summary.outcome).toBe('genuine');
  });

  it.each(['eir', 'telex-release-guarantee'] as const)('when the countersigned %s is posted: both parties recorded, timestamps after each', async (kind) => {
    const doc = api(kind);
    const report = await postVerify(doc.complete as Uint8Array);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('recorded');
    expect(report.signatures.filter((s) => s.role !== 'timestamp').map((s) => [s.signerPartyId, s.role])).toEqual([
      [doc.issuer, 'issuer'],
      [doc.countersigner, 'countersigner'],
    ]);
    expect(report.signatures.filter((s) => s.role === 'timestamp').length).toBeGreaterThanOrEqual(2);
  });

  it('when an annotation is slipped in after the stored revision and a party countersigns: invalid, the annotation named', async () => {
    const doc = api('eir');
    const staged = addAnnotation(doc.firstSigned, { rect: BODY_BAND, page: 'first', lines: ['Condition: SOUND'] });
    const report = await postVerify(await sdxStyleSign(staged, partySigner(P.haulierA)));
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'annotation-added-after-signature' });
  });

  it('when the countersignature is cut off and an annotation put in its place: invalid', async () => {
    const doc = api('telex-release-guarantee');
    const report = await postVerify(addAnnotation(doc.firstSigned, { rect: BODY_BAND, page: 'first', lines: ['ACCEPTED'] }));
    expect(report.verdict).not.toBe('valid');
  });
});

describe('POST /verify?at=DATE', () => {
  const post = (pdf: Uint8Array, at: string) =>
    request(t.app).post(`/verify?at=${encodeURIComponent(at)}`).attach('file', Buffer.from(pdf), { filename: 'doc.pdf', contentType: 'application/pdf' });

  it('when a B-LTA document is verified as at a later year within its timestamps’ lives, then it is valid', async () => {
    const res = await post(api('delivery-order').firstSigned, '2030-01-01');
    expect(res.status).toBe(200);
    expectVerdict(res.body as PdfVerificationReport, 'valid');
  });

  it('when it is verified as at a time after its newest timestamp’s TSA certificate expired, then it is indeterminate (not renewed), never valid', async () => {
    const res = await post(api('delivery-order').firstSigned, '2036-06-01T00:00:00Z');
    expect(res.status).toBe(200);
    const report = res.body as PdfVerificationReport;
    expectVerdict(report, 'indeterminate');
    expectFinding(report, { code: 'out-of-bounds-no-poe', status: 'indeterminate' });
  });

  it.each(['tomorrow', '2036-13-45', '01/01/2036', ''])('when at is %p, then 400 invalid-validation-time as problem+json, in Chinese when asked', async (at) => {
    const res = await post(api('delivery-order').firstSigned, at).set('Accept-Language', 'zh-CN');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'invalid-validation-time', title: '验证时间无效' });
  });
});


describe('POST /verify?report=etsi', () => {
  const post = (query: string) =>
    request(t.app).post(`/verify?${query}`).attach('file', Buffer.from(api('delivery-order').firstSigned), { filename: 'doc.pdf', contentType: 'application/pdf' });

  it('when report=etsi, then the ETSI-shaped report: the signature and the archive timestamp TOTAL-PASSED, as at the time asked', async () => {
    const res = await post('report=etsi&at=2030-01-01');
    expect(res.status).toBe(200);
    const report = res.body as EtsiValidationReport;
    expect(report.validationTime).toBe('2030-01-01T00:00:00.000Z');
    expect(report.signatures.map((s) => [s.type, s.indication])).toEqual([
      ['signature', 'TOTAL-PASSED'],
      ['document-timestamp', 'TOTAL-PASSED'],
    ]);
  });

  it('when report=etsi-xml, then XML', async () => {
    const res = await post('report=etsi-xml');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/xml');
    expect(res.text).toContain('<MainIndication>TOTAL-PASSED</MainIndication>');
  });

  it('when sign=1, then a JWS by the service’s log certificate that opens to the same report', async () => {
    const res = await post('report=etsi&sign=1&at=2030-01-01');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/jose');
    const opened = openEtsiReport(res.text);
    expect(Buffer.from(opened.certificate).equals(Buffer.from(certsDevCertificate('log-signing.pem')))).toBe(true);
    expect(opened.report.signatures[0]?.indication).toBe('TOTAL-PASSED');
  });

  it.each(['report=pdf', 'report=etsi-xml&sign=1', 'sign=1'])('when %s, then 400 invalid-report-kind', async (query) => {
    const res = await post(query);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid-report-kind' });
  });
});
