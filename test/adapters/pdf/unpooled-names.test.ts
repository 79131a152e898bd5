// pdf-lib keeps every PDFName it ever made. A name that differs per document (a font subset's tag,
// a VRI key) would so stay in a PDF worker's heap for as long as it runs. These tests watch every
// PDFName.of call of the real pipeline (render, sign, time-stamp, DSS) and check that, once warm,
// another document asks for no name the earlier ones did not, while the bytes written stay the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFContext, PDFName, PDFString, type PDFObject } from 'pdf-lib';
import type { PdfContent } from '../../../src/application/ports/document-pdf.port';
import { unpooledKeyDict, unpooledName } from '../../../src/adapters/pdf/pdf-objects';
import { openPdfToolkit } from '../../../src/main';
import { settingsOrThrow } from '../../../src/settings';
import type { DocumentKind } from '../../../src/domain/document/document';
import { validatePayload } from '../../../src/domain/document/document-kinds';
import { canonicalHash } from '../../../src/domain/shared/canonical-json';
import { expectVerdict, verifyOffline } from '../../support/forgery-expect';
import { dssOf } from '../../support/ltv-sources';

jest.setTimeout(60_000);

function written(object: PDFObject): string {
  const bytes = new Uint8Array(object.sizeInBytes());
  expect(object.copyBytesInto(bytes, 0)).toBe(bytes.length);
  return Buffer.from(bytes).toString('latin1');
}

describe('names written outside pdf-lib’s pool', () => {
  it('an unpooled name writes what PDFName writes, irregular characters escaped as #XX', () => {
    for (const name of ['ABCDEF+NotoSansSC-Regular', '3864991FFF4F09E76A7C03BE863E0A36351B2AA0', 'A B#C(D)/E%F<G>[H]{I}', 'Ünïcödé\x7f\x01']) {
      const unpooled = unpooledName(name);
      expect(written(unpooled)).toBe(written(PDFName.of(name)));
      expect(unpooled.toString()).toBe(PDFName.of(name).toString());
    }
    expect(() => unpooledName('提货单')).toThrow('a PDF name holds bytes');
  });

  it('an unpooled-key dictionary writes what a PDFDict with the same entries writes, in the order they were set', () => {
    const context = PDFContext.create();
    const entries: [string, PDFObject][] = [
      ['B7213B59D26F7478E4A72DD6A4CCF66F5E62C3C3', context.obj({ Cert: [context.nextRef()], TU: PDFString.of('D:20261204120000Z') })],
      ['0125F1A1DAD9863029BEF5DF9F06DFD93FAFDABC', context.obj({ OCSP: [context.nextRef(), context.nextRef()] })],
    ];
    const byName = new Map<string, PDFObject>();
    const dict = context.obj({});
    for (const [key, value] of entries) {
      byName.set(key, value);
      dict.set(PDFName.of(key), value);
    }
    const unpooled = unpooledKeyDict(byName);
    expect(written(unpooled)).toBe(written(dict));
    expect(unpooled.toString()).toBe(dict.toString());
    expect(written(unpooled.clone())).toBe(written(dict));
    // A name set again in the caller's map keeps its place, as PDFDict.set does.
    byName.set(entries[0]?.[0] ?? '', context.obj(7));
    dict.set(PDFName.of(entries[0]?.[0] ?? ''), context.obj(7));
    expect(written(unpooledKeyDict(byName))).toBe(written(dict));
  });
});

describe('the PDF pipeline asks pdf-lib for no name of a document’s own', () => {
  const settings = (level: string) => settingsOrThrow({ SDX_PADES_LEVEL: level });
  const content = (kind: DocumentKind, index: number): PdfContent => {
    const example: unknown = JSON.parse(readFileSync(join(settings('T').paths.templatesDir, 'examples', `${kind}.json`), 'utf8'));
    const parsed = validatePayload(kind, example);
    if (!parsed.ok) throw new Error(`the ${kind} example does not validate`);
    return {
      kind,
      payload: parsed.value,
      documentId: `doc-names-${kind}-${index}`,
      version: 1,
      payloadHash: canonicalHash(parsed.value),
      verifyUrl: `http://127.0.0.1:8080/verify/doc-names-${kind}-${index}`,
      issuedAt: new Date(Date.UTC(2026, 11, 4, 2, 0, index)).toISOString(),
      issuerName: 'Huangpu Shipping Agency (demo)',
      issuerPartyId: 'demo-agent-sha',
    };
  };

  /** The names asked of PDFName.of while `work` runs. */
  async function namesAskedFor(work: () => Promise<unknown>): Promise<Set<string>> {
    const asked = new Set<string>();
    const of = PDFName.of;
    const spy = jest.spyOn(PDFName, 'of').mockImplementation((name: string) => {
      asked.add(name);
      return of.call(PDFName, name);
    });
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return asked;
  }

  it.each(['T', 'LT', 'LTA'])('when D/Os, EIRs and guarantees are issued at PAdES %s, then a later one asks for no name an earlier one did not', async (level) => {
    const toolkit = await openPdfToolkit(settings(level).paths, settings(level), () => new Date());
    const issue = (kind: DocumentKind, index: number) =>
      toolkit.pdfs.renderSigned(content(kind, index), 'demo-agent-sha', { signerName: 'Huangpu Shipping Agency (demo)', reason: 'Issued', at: new Date(), box: 'issuer' });
    const kinds: DocumentKind[] = ['delivery-order', 'eir', 'telex-release-guarantee'];
    const warm = await namesAskedFor(async () => {
      for (const kind of kinds) for (const index of [1, 2]) await issue(kind, index);
    });
    let lastOrder: Uint8Array | undefined;
    const later = await namesAskedFor(async () => {
      for (const kind of kinds) for (const index of [3, 4]) {
        const pdf = await issue(kind, index);
        if (kind === 'delivery-order') lastOrder = pdf;
      }
    });
    expect([...later].filter((name) => !warm.has(name))).toEqual([]);
    // Still the documents they were (the agent issues D/Os): the subset tag and VRI key are written, and verify.
    const pdf = lastOrder ?? new Uint8Array();
    expect(Buffer.from(pdf).toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansSC-Regular/);
    expectVerdict(await verifyOffline(pdf), 'valid');
    if (level !== 'T') expect(dssOf(pdf).vriKeys).toHaveLength(1);
  });

  it('when an EIR is countersigned at PAdES T, then a later one asks for no name an earlier one did not', async () => {
    const toolkit = await openPdfToolkit(settings('T').paths, settings('T'), () => new Date());
    const both = async (index: number) => {
      const first = await toolkit.pdfs.renderSigned(content('eir', index), 'demo-terminal', { signerName: 'Terminal', reason: 'Issued', at: new Date(), box: 'issuer' });
      return toolkit.pdfs.countersign(first, 'demo-haulier-a', { signerName: 'Haulier', reason: 'Received', at: new Date(), box: 'counter' });
    };
    const warm = await namesAskedFor(async () => Promise.all([both(1), both(2)]));
    const later = await namesAskedFor(async () => Promise.all([both(3), both(4)]));
    expect([...later].filter((name) => !warm.has(name))).toEqual([]);
  });
});
