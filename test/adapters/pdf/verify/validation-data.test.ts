// Validation data (/DSS) is the one thing a later revision may add without a signature: these tests
// keep it allowed, and keep it from becoming a disguise for rewriting what the signer saw.
import type { DocumentKind } from '../../../../src/domain/document/document';
import { demoDocuments, type GenuineDocument } from '../../../support/forgery-sources';
import { expectFinding, expectVerdict, verifyOffline } from '../../../support/forgery-expect';
import { Revision, dictAt, pageNumber, partySigner, refNum, revisionCount, sdxStyleSign, signUpdate, streamText, whiteBoxWithText } from '../../../support/pdf-forgery-kit';

jest.setTimeout(60_000);

const demo = new Map<DocumentKind, GenuineDocument>();
beforeAll(async () => {
  for (const doc of await demoDocuments()) demo.set(doc.kind, doc);
});

function doc(kind: DocumentKind): GenuineDocument {
  const found = demo.get(kind);
  if (!found) throw new Error(`no demo ${kind}`);
  return found;
}

/** An update that adds a DSS (one certificate stream) and names it in the catalog. */
function withDss(pdf: Uint8Array): Uint8Array {
  const revision = new Revision(pdf);
  const catalogNum = refNum(revision.view.trailer.get('Root'));
  const cert = revision.add(streamText('<< >>', 'not really a certificate, but validation data all the same'));
  const dss = revision.add(`<< /Type /DSS /Certs [${cert} 0 R] >>`);
  revision.change(catalogNum, { DSS: `${dss} 0 R` });
  return revision.bytes();
}

/**
 * The catalog names the first page's content stream as its /DSS, and that stream is rewritten in
 * the same update: a DSS in name only.
 */
function contentStreamDisguisedAsDss(pdf: Uint8Array): Uint8Array {
  const revision = new Revision(pdf);
  const catalogNum = refNum(revision.view.trailer.get('Root'));
  const page = dictAt(revision.view, pageNumber(pdf, 'first'));
  const contents = page.get('Contents');
  const contentNum = contents?.kind === 'ref' ? contents.num : contents?.kind === 'array' && contents.items[0]?.kind === 'ref' ? contents.items[0].num : undefined;
  if (contentNum === undefined) throw new Error('the first page has no content stream reference');
  revision.set(contentNum, streamText('<< >>', whiteBoxWithText(595, 842, ['Released to ANYONE'])));
  revision.change(catalogNum, { DSS: `${contentNum} 0 R` });
  return revision.bytes();
}

describe('validation data after a signature', () => {
  it.each(['delivery-order', 'eir', 'telex-release-guarantee'] as const)('when a DSS is added after the %s’s last signature, then it stays valid', async (kind) => {
    const report = await verifyOffline(withDss(doc(kind).complete ?? doc(kind).firstSigned));
    expectVerdict(report, 'valid');
  });

  it('when a DSS is added between the EIR’s signatures, then the countersigned EIR stays valid', async () => {
    const pdf = await sdxStyleSign(withDss(doc('eir').firstSigned), partySigner(doc('eir').countersigner ?? 'demo-haulier-a'));
    expectVerdict(await verifyOffline(pdf), 'valid');
  });

  it('when the catalog names a rewritten page content stream as its /DSS after the last signature, then it is an unsigned update', async () => {
    const pdf = contentStreamDisguisedAsDss(doc('delivery-order').firstSigned);
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'unsigned-update-after-signature' });
  });

  it('when that disguise comes between the EIR’s signatures and the haulier countersigns, then the page change is named', async () => {
    const first = doc('eir').firstSigned;
    const pdf = await sdxStyleSign(contentStreamDisguisedAsDss(first), partySigner(doc('eir').countersigner ?? 'demo-haulier-a'));
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'page-content-changed-after-signature', revision: revisionCount(first) });
  });

  it('when validation data and an invisible document timestamp follow the countersigned EIR, then it stays valid with the timestamp’s role', async () => {
    const complete = doc('eir').complete ?? doc('eir').firstSigned;
    const pdf = await signUpdate(withDss(complete), partySigner('demo-terminal'), { field: { create: 'sdx-archive-1' }, type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161', contents: 'timestamp-token', signingTime: null });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'valid');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'countersigner', 'timestamp']);
  });

  it('when a document timestamp’s field is visible, then it is a field added after the countersignature', async () => {
    const complete = doc('eir').complete ?? doc('eir').firstSigned;
    const pdf = await signUpdate(complete, partySigner('demo-terminal'), { field: { create: 'sdx-archive-1', rect: [40, 600, 560, 800], page: 'first' }, lines: ['Released'], type: 'DocTimeStamp', subFilter: 'ETSI.RFC3161', contents: 'timestamp-token', signingTime: null });
    const report = await verifyOffline(pdf);
    expectVerdict(report, 'invalid');
    expectFinding(report, { code: 'field-added-after-signature', revision: revisionCount(complete) });
  });
});
