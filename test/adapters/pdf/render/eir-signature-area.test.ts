import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { DocumentRenderer, loadRenderAssets } from '../../../../src/adapters/pdf/render/render-document';
import { MARGIN, PAGE, SIGNATURE_AREA_TOP } from '../../../../src/adapters/pdf/render/page-geometry';
import { SignedDocumentPdfs } from '../../../../src/adapters/pdf/signed-document-pdfs';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { PemDirectoryKeyStore } from '../../../../src/adapters/pki/file-key-store';
import type { PdfContent, SignatureRequest } from '../../../../src/application/ports/document-pdf.port';
import { gateRecord as gateRecordSchema, type GateRecord } from '../../../../src/domain/eir/eir.schema';
import { certsDev, certsDevTrust } from '../../../support/certs-dev';
import { repoRoot } from '../../../support/examples';
import { itWith } from '../../../support/external-tools';
import { exampleInput, gateRecordWith, photoFixture, run, templatesDir, workDir, writePdf, type Photo } from './render-test-kit';

/**
 * The EIR's two reserved signature boxes stay with its content: the usual EIR is one page, and a
 * longer one never ends with a page that holds only the boxes. Signed documents still verify.
 */

const photos = [photoFixture('gate-photo-front.jpg', 'image/jpeg'), photoFixture('gate-photo-door.png', 'image/png')];

interface Variant {
  name: string;
  gateRecord: GateRecord;
  photos: Photo[];
  /** What the document shows last: it must be on the page with the signature boxes. */
  lastContent: RegExp;
}

function variant(damages: number, photoCount: 0 | 2): Variant {
  const supplied = photos.slice(0, photoCount);
  return {
    name: `${damages} damage lines, ${photoCount} photos`,
    gateRecord: gateRecordWith(damages, supplied),
    photos: supplied,
    lastContent:
      photoCount > 0 ? new RegExp(`照片 Photo #${photoCount}\\s+SHA-256`) : damages > 0 ? new RegExp(`Panel ${damages} 第${damages}块`) : /无残损 No damage recorded/,
  };
}

const variants: Variant[] = [0, 3, 40].flatMap((damages) => [variant(damages, 0), variant(damages, 2)]);
/** The demo's gate record: two damage lines, one seal, no photos. */
const demoGateRecord = gateRecordSchema.parse(JSON.parse(readFileSync(join(repoRoot, 'templates', 'examples', 'eir-gate-record.json'), 'utf8')));

let renderer: DocumentRenderer;
let pdfs: SignedDocumentPdfs;
const rendered = new Map<string, { path: string; bytes: Uint8Array }>();

function input(gateRecord: GateRecord, supplied: readonly Photo[]): PdfContent {
  return { ...exampleInput('eir'), gateRecord, photos: [...supplied] };
}

async function renderOnce(name: string, content: PdfContent): Promise<{ path: string; bytes: Uint8Array }> {
  const known = rendered.get(name);
  if (known) return known;
  const bytes = await renderer.render(content);
  const file = { path: writePdf(`eir-${name.replace(/\W+/g, '-')}`, bytes), bytes };
  rendered.set(name, file);
  return file;
}

beforeAll(async () => {
  renderer = await DocumentRenderer.create(await loadRenderAssets(templatesDir));
  pdfs = new SignedDocumentPdfs(renderer, new PemDirectoryKeyStore(certsDev));
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const pageCount = (path: string): number => Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', [path]))?.[1]);

/** pdftotext of a band of a page, in points from the top-left corner. */
function textIn(path: string, page: number, band: { top: number; bottom: number }): string {
  const crop = ['-x', '0', '-y', `${Math.ceil(band.top)}`, '-W', `${Math.floor(PAGE.width)}`, '-H', `${Math.floor(band.bottom - band.top)}`];
  return run('pdftotext', ['-layout', '-r', '72', '-f', String(page), '-l', String(page), ...crop, path, '-']);
}

describe('where an EIR puts its signature boxes', () => {
  itWith('pdfinfo', 'pdftotext')('when the EIR is a usual one (no gate record yet, the demo gate record, 3 damage lines and 2 photos), then it is one page with both signature boxes', async () => {
    const typical: [string, PdfContent][] = [
      ['no gate record yet', exampleInput('eir')],
      ['the demo gate record', input(demoGateRecord, [])],
      ['3 damage lines, 2 photos', input(gateRecordWith(3, photos), photos)],
    ];
    for (const [name, content] of typical) {
      const { path } = await renderOnce(name, content);
      expect([name, pageCount(path)]).toEqual([name, 1]);
      const text = run('pdftotext', ['-layout', path, '-']);
      expect(text).toMatch(/签发方签章 Issuer signature\s+相对方签章 Counter-signature/);
    }
  });

  describe.each(variants.map((v) => [v.name, v]))('when the gate record has %s', (_name, v) => {
    itWith('pdfinfo', 'pdftotext')('then the last page holds the last content above the signature boxes, never the boxes alone', async () => {
      const { path, bytes } = await renderOnce(v.name, input(v.gateRecord, v.photos));
      const pages = pageCount(path);
      // The body of the last page: below its running header, above the signature area.
      const body = textIn(path, pages, { top: MARGIN.top + 26, bottom: PAGE.height - SIGNATURE_AREA_TOP });
      expect(body.trim()).not.toBe('');
      expect(body).toMatch(v.lastContent);
      // The signature area holds the two captions and nothing else, the boxes themselves are empty.
      const area = textIn(path, pages, { top: PAGE.height - SIGNATURE_AREA_TOP, bottom: PAGE.height - MARGIN.bottom });
      expect(area.trim().split(/\s{2,}/)).toEqual(['签发方签章 Issuer signature', '相对方签章 Counter-signature']);
      // The reserved fields sit on that last page.
      const doc = await PDFDocument.load(bytes, { updateMetadata: false });
      expect(doc.getPages().map((page) => page.node.Annots()?.size() ?? 0)).toEqual([...Array(pages - 1).fill(0), 2]);
      if (v.gateRecord.damages.length <= 3) expect(pages).toBe(1);
    });
  });

  it('when the last block moves to a new page with the boxes, then the same input still gives the same bytes', async () => {
    const content = input(gateRecordWith(40, photos), photos);
    const first = await renderer.render(content);
    const fresh = await (await DocumentRenderer.create(await loadRenderAssets(templatesDir))).render(content);
    expect(Buffer.from(fresh).equals(Buffer.from(first))).toBe(true);
  });
});

describe('signing an EIR in its reserved boxes', () => {
  const request = (box: SignatureRequest['box'], at: string, signerName: string): SignatureRequest => ({
    signerName,
    role: box === 'issuer' ? { zh: '签发方', en: 'Issuer' } : { zh: '承运车队', en: 'Haulier' },
    reason: box === 'issuer' ? 'Issued' : 'Countersigned',
    at: new Date(at),
    box,
  });

  it.each(variants.map((v) => [v.name, v]))('when an EIR with %s is issued and countersigned, then the SDX verifier calls it valid', async (_name, v) => {
    const content = input(v.gateRecord, v.photos);
    const issued = await pdfs.renderSigned(content, content.issuerPartyId, request('issuer', '2026-11-28T01:40:00Z', 'Pearl Ocean Container Line (demo)'));
    const countersigned = await pdfs.countersign(issued, 'demo-haulier-a', request('counter', '2026-11-28T01:50:00Z', 'Donghai Trucking (demo)'));
    const report = await verifyPdf(countersigned, { trust: certsDevTrust(), now: new Date('2026-11-28T03:00:00Z'), expectedPayloadHash: content.payloadHash });
    expect(report.findings.filter((f) => f.status === 'invalid').map((f) => `${f.check}:${f.code}`)).toEqual([]);
    expect(report.verdict).toBe('valid');
    expect(report.signatures.map((s) => s.fieldName)).toEqual(['sdx-issuer', 'sdx-counter']);
    // Both signatures filled the widgets the renderer reserved on the last page: no field was added.
    const doc = await PDFDocument.load(countersigned, { updateMetadata: false });
    const pages = doc.getPages();
    expect(pages.map((page) => page.node.Annots()?.size() ?? 0)).toEqual([...Array(pages.length - 1).fill(0), 2]);
  });
});
