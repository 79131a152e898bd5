import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  StandardFonts,
} from 'pdf-lib';
import { DocumentRenderer, loadRenderAssets, signatureBoxes } from '../../../../src/adapters/pdf/render/render-document';
import { signPdf, type SignPdfOptions } from '../../../../src/adapters/pdf/sign/pades-signer';
import type { PartySigner } from '../../../../src/application/ports/key-store.port';
import type { AppearanceFont } from '../../../../src/adapters/pdf/sign/signature-appearance';
import { SdxError } from '../../../../src/domain/shared/errors';
import { appearanceFont } from '../../../support/appearance-font';
import { itWith } from '../../../support/external-tools';
import {
  embeddedSignatures,
  nssDatabase,
  opensslCmsVerify,
  opensslTsVerify,
  pdfsig,
  qpdfCheck,
  run,
  scratchDir,
  signatureTimestamp,
} from '../../../support/pdf-signature-tools';
import { repoRoot } from '../../../support/examples';
import { testPki, type TestPki } from '../../../support/test-pki';
import { exampleInput } from '../render/render-test-kit';

const signingTime = new Date('2026-03-01T08:30:00Z');

async function onePagePdf(options: { useObjectStreams?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText('Equipment Interchange Receipt EIR-2026-0001', { x: 50, y: 780, size: 14, font });
  return doc.save({ useObjectStreams: options.useObjectStreams ?? false });
}

function options(signer: PartySigner, fieldName: string, extra: Partial<SignPdfOptions> = {}): SignPdfOptions {
  return {
    signer,
    fieldName,
    signerName: `${signer.partyId} Ltd`,
    appearanceFont: font,
    signingTime,
    reason: 'Issued',
    location: 'Shanghai',
    rect: [360, 40, 560, 90],
    ...extra,
  };
}

let pki: TestPki;
let font: AppearanceFont;
beforeAll(async () => {
  pki = await testPki();
  font = await appearanceFont();
});

describe.each([
  ['EC P-256', (p: TestPki) => p.ecSigner],
  ['RSA-3072', (p: TestPki) => p.rsaSigner],
])('signPdf with an %s signer', (_label, pick) => {
  let input: Uint8Array;
  let once: Uint8Array;
  let twice: Uint8Array;

  beforeAll(async () => {
    input = await onePagePdf();
    once = await signPdf(input, options(pick(pki), 'sdx-sig-1'));
    // The countersignature is by the other key type, as on an EIR signed by terminal and haulier.
    const other = pick(pki) === pki.ecSigner ? pki.rsaSigner : pki.ecSigner;
    twice = await signPdf(once, options(other, 'sdx-sig-2', { reason: 'Countersigned', rect: [360, 100, 560, 150] }));
  });

  it('when signing, then the input bytes are the unchanged prefix of the output', () => {
    expect(Buffer.from(once.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(once.length).toBeGreaterThan(input.length);
  });

  it('when countersigning, then the once-signed bytes are the unchanged prefix of the output', () => {
    expect(Buffer.from(twice.subarray(0, once.length)).equals(Buffer.from(once))).toBe(true);
  });

  it('when signed once or twice, then each ByteRange covers the whole revision except its /Contents', () => {
    const [first, second] = embeddedSignatures(twice);
    expect(first?.byteRange[0]).toBe(0);
    expect((first?.byteRange[2] ?? 0) + (first?.byteRange[3] ?? 0)).toBe(once.length);
    expect((second?.byteRange[2] ?? 0) + (second?.byteRange[3] ?? 0)).toBe(twice.length);
  });

  itWith('pdfsig', 'certutil')('when signed once, then pdfsig calls the signature valid, trusted and total', () => {
    const results = pdfsig(nssDatabase(`${pki.dir}/root.pem`), once);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ valid: true, trusted: true, totalDocumentSigned: true });
  });

  itWith('pdfsig', 'certutil')('when countersigned, then pdfsig calls both valid and trusted, the first covering its revision', () => {
    const results = pdfsig(nssDatabase(`${pki.dir}/root.pem`), twice);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ valid: true, trusted: true, totalDocumentSigned: false });
    expect(results[0]?.ranges).toContain(`- ${once.length}]`);
    expect(results[1]).toMatchObject({ valid: true, trusted: true, totalDocumentSigned: true });
  });

  itWith('openssl')('when countersigned, then openssl cms -verify accepts each signature over its signed bytes', () => {
    const signatures = embeddedSignatures(twice);
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) {
      const result = opensslCmsVerify(signature, pki.dir);
      expect(result.output).toContain('Verification successful');
      expect(result.ok).toBe(true);
    }
  });

  itWith('qpdf')('when signed once or twice, then qpdf --check finds no errors', () => {
    for (const pdf of [once, twice]) {
      const result = qpdfCheck(pdf);
      expect(result.output).toContain('No syntax or stream encoding errors found');
      expect(result.ok).toBe(true);
    }
  });

  itWith('pdfsig', 'certutil', 'openssl')('when one signed byte is flipped, then pdfsig and openssl reject the signature', () => {
    const tampered = Uint8Array.from(once);
    const at = 200; // inside the first signed range: the page content of the original revision
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const [result] = pdfsig(nssDatabase(`${pki.dir}/root.pem`), tampered);
    expect(result?.valid).toBe(false);
    expect(result?.text).toMatch(/Digest Mismatch|Signature is Invalid/);
    const [signature] = embeddedSignatures(tampered);
    expect(signature && opensslCmsVerify(signature, pki.dir).ok).toBe(false);
  });
});

describe('signPdf B-T', () => {
  itWith('openssl', 'pdfsig', 'certutil')('when a TSA is given, then the signature carries a token over its signature value that openssl ts accepts', async () => {
    const signed = await signPdf(await onePagePdf(), options(pki.ecSigner, 'sdx-sig-1', { timestampAuthority: pki.tsa }));
    const [signature] = embeddedSignatures(signed);
    if (!signature) throw new Error('no signature found');
    const timestamp = signatureTimestamp(signature.cms);
    if (!timestamp) throw new Error('no signature-time-stamp attribute');
    const ts = opensslTsVerify(timestamp.token, timestamp.signatureValue, pki.dir);
    expect(ts.output).toContain('Verification: OK');
    expect(opensslCmsVerify(signature, pki.dir).ok).toBe(true);
    expect(pdfsig(nssDatabase(`${pki.dir}/root.pem`), signed)[0]).toMatchObject({ valid: true, trusted: true });
  });
});

describe('signPdf refusals and structure', () => {
  it('when contentsSize cannot hold the CMS, then it refuses with signature-too-large', async () => {
    const attempt = signPdf(await onePagePdf(), options(pki.ecSigner, 'sdx-sig-1', { contentsSize: 200 }));
    await expect(attempt).rejects.toBeInstanceOf(SdxError);
    await expect(attempt).rejects.toMatchObject({ code: 'signature-too-large' });
  });

  it('when the named signature field is already signed, then it refuses with signature-field-filled', async () => {
    const once = await signPdf(await onePagePdf(), options(pki.ecSigner, 'sdx-sig-1'));
    await expect(signPdf(once, options(pki.ecSigner, 'sdx-sig-1'))).rejects.toMatchObject({ code: 'signature-field-filled' });
  });

  it('when the name belongs to a field that is not a signature field, then it refuses with signature-field-exists', async () => {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.getForm().createTextField('container-number').addToPage(doc.addPage(), { x: 50, y: 700, width: 200, height: 20 });
    const input = await doc.save({ useObjectStreams: false });
    await expect(signPdf(input, options(pki.ecSigner, 'container-number'))).rejects.toMatchObject({ code: 'signature-field-exists' });
  });

  it('when the bytes are not a PDF, then it refuses with unsupported-pdf-structure', async () => {
    await expect(signPdf(Buffer.from('not a pdf'), options(pki.ecSigner, 'sdx-sig-1'))).rejects.toMatchObject({
      code: 'unsupported-pdf-structure',
    });
  });

  it('when the page does not exist, then it refuses with page-not-found', async () => {
    await expect(signPdf(await onePagePdf(), options(pki.ecSigner, 'sdx-sig-1', { page: 3 }))).rejects.toMatchObject({
      code: 'page-not-found',
    });
  });

  itWith('pdfsig', 'certutil', 'qpdf')('when the last section is an xref stream, then the update uses an xref stream and both signatures verify', async () => {
    const input = await onePagePdf({ useObjectStreams: true });
    const once = await signPdf(input, options(pki.ecSigner, 'sdx-sig-1', { rect: [0, 0, 0, 0] }));
    const twice = await signPdf(once, options(pki.rsaSigner, 'sdx-sig-2'));
    expect(Buffer.from(twice.subarray(0, input.length)).equals(Buffer.from(input))).toBe(true);
    expect(qpdfCheck(twice).ok).toBe(true);
    const results = pdfsig(nssDatabase(`${pki.dir}/root.pem`), twice);
    expect(results.map((r) => [r.valid, r.trusted])).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('when the input has /Info and /ID, then the update trailer carries them over', async () => {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.addPage();
    doc.setTitle('EIR');
    const id = PDFHexString.of('0123456789ABCDEF0123456789ABCDEF');
    doc.context.trailerInfo.ID = doc.context.obj([id, id]);
    const input = await doc.save({ useObjectStreams: false });
    const signed = Buffer.from(await signPdf(input, options(pki.ecSigner, 'sdx-sig-1')));
    const trailer = signed.subarray(input.length).toString('latin1').split('trailer')[1] ?? '';
    expect(trailer).toMatch(/\/Info \d+ 0 R/);
    expect(trailer).toContain('/ID [ <0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF> ]');
    expect(trailer).toMatch(new RegExp(`/Prev ${/startxref\s+(\d+)\s+%%EOF\s*$/.exec(Buffer.from(input).toString('latin1'))?.[1]}\\b`));
  });

  itWith('pdfsig', 'certutil', 'qpdf')('when the document already has a form field and annotations, then they are kept and the signature verifies', async () => {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const page = doc.addPage();
    doc.getForm().createTextField('container.number').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
    const input = await doc.save({ useObjectStreams: false });
    const signed = await signPdf(input, options(pki.ecSigner, 'sdx-sig-1'));
    const reloaded = await PDFDocument.load(signed);
    expect(reloaded.getForm().getFields().map((field) => field.getName())).toEqual(['container.number', 'sdx-sig-1']);
    expect(reloaded.getPage(0).node.Annots()?.size()).toBe(2);
    expect(qpdfCheck(signed).ok).toBe(true);
    expect(pdfsig(nssDatabase(`${pki.dir}/root.pem`), signed)[0]).toMatchObject({ valid: true, trusted: true, totalDocumentSigned: true });
  });

  it('when signing the same input twice with pinned time, then the bytes before /Contents are identical', async () => {
    const input = await onePagePdf();
    const a = embeddedSignatures(await signPdf(input, options(pki.ecSigner, 'sdx-sig-1')))[0];
    const b = embeddedSignatures(await signPdf(input, options(pki.ecSigner, 'sdx-sig-1')))[0];
    expect(a?.signedBytes.equals(b?.signedBytes ?? Buffer.alloc(0))).toBe(true);
  });
});

/** One revision appended to `before`: the objects it writes, read from its own xref table. */
interface UpdateSection {
  /** Object number -> the object as written in the update. */
  objects: Map<number, PDFDict | PDFRawStream>;
  trailer: string;
}

/** Parses the bytes `after` adds to `before` independently of the signer: xref rows, then each object. */
async function updateSection(before: Uint8Array, after: Uint8Array): Promise<UpdateSection> {
  expect(Buffer.from(after.subarray(0, before.length)).equals(Buffer.from(before))).toBe(true);
  const text = Buffer.from(after).toString('latin1');
  const start = before.length;
  const xrefAt = text.lastIndexOf('\nxref\n') + 1;
  expect(xrefAt).toBeGreaterThan(start);
  const [table = '', trailer = ''] = text.slice(xrefAt + 5, text.lastIndexOf('startxref')).split('trailer');
  const lines = table.trim().split(/\r?\n/);
  const offsets = new Map<number, number>();
  for (let i = 0; i < lines.length; ) {
    const [first = 0, count = 0] = (lines[i] ?? '').trim().split(/\s+/).map(Number);
    for (let k = 0; k < count; k++) {
      const row = lines[i + 1 + k] ?? '';
      expect(row).toMatch(/^\d{10} \d{5} n/);
      offsets.set(first + k, Number(row.slice(0, 10)));
    }
    i += 1 + count;
  }
  // A context to parse with: the document's own, so that references resolve.
  const context = (await PDFDocument.load(after, { updateMetadata: false })).context;
  const objects = new Map<number, PDFDict | PDFRawStream>();
  for (const [number, offset] of offsets) {
    expect(offset).toBeGreaterThanOrEqual(start);
    const header = new RegExp(`^${number} 0 obj\\s*`).exec(text.slice(offset, offset + 40));
    expect(header).not.toBeNull();
    const object = PDFObjectParser.forBytes(after.subarray(offset + (header?.[0].length ?? 0)), context).parseObject();
    if (!(object instanceof PDFDict || object instanceof PDFRawStream)) throw new Error(`object ${number} is neither a dictionary nor a stream`);
    objects.set(number, object);
  }
  // Every "obj" written in the update is in its xref table.
  const written = [...text.slice(start, xrefAt).matchAll(/(?:^|\n)(\d+) 0 obj/g)].map((m) => Number(m[1]));
  expect(written.sort((a, b) => a - b)).toEqual([...offsets.keys()].sort((a, b) => a - b));
  return { objects, trailer };
}

/** Object numbers of the update's objects that `ref` leads to, itself included. */
function reachable(ref: PDFRef, objects: Map<number, PDFDict | PDFRawStream>, seen = new Set<number>()): Set<number> {
  const visit = (object: PDFObject | undefined): void => {
    if (object instanceof PDFRef) {
      const found = objects.get(object.objectNumber);
      if (!found || seen.has(object.objectNumber)) return;
      seen.add(object.objectNumber);
      visit(found);
    } else if (object instanceof PDFRawStream) {
      visit(object.dict);
    } else if (object instanceof PDFDict) {
      for (const [, value] of object.entries()) visit(value);
    } else if (object instanceof PDFArray) {
      for (const item of object.asArray()) visit(item);
    }
  };
  visit(ref);
  return seen;
}

function sizeOf(pdf: Uint8Array): number {
  const trailers = [...Buffer.from(pdf).toString('latin1').matchAll(/\/Size (\d+)/g)];
  return Number(trailers[trailers.length - 1]?.[1]);
}

const numbers = (array: PDFArray): number[] => array.asArray().map((item) => (item as PDFNumber).asNumber());

describe('signing an SDX document fills its reserved field', () => {
  let rendered: Uint8Array;
  let issued: Uint8Array;
  let countersigned: Uint8Array;
  let original: PDFDocument;
  const fieldRef = (doc: PDFDocument, name: string): PDFRef => {
    const form = doc.context.lookup(doc.catalog.get(PDFName.of('AcroForm')), PDFDict);
    const ref = doc.context
      .lookup(form.get(PDFName.of('Fields')), PDFArray)
      .asArray()
      .find((item) => doc.context.lookup(item, PDFDict).lookup(PDFName.of('T'), PDFString).decodeText() === name);
    if (!(ref instanceof PDFRef)) throw new Error(`no field ${name}`);
    return ref;
  };

  beforeAll(async () => {
    const renderer = await DocumentRenderer.create(await loadRenderAssets(join(repoRoot, 'templates')));
    rendered = await renderer.render(exampleInput('eir'));
    original = await PDFDocument.load(rendered, { updateMetadata: false });
    // Rects are deliberately other than the field's: a reserved field keeps its own.
    issued = await signPdf(rendered, options(pki.ecSigner, 'sdx-issuer', { rect: [1, 1, 50, 50], page: 0 }));
    countersigned = await signPdf(issued, options(pki.rsaSigner, 'sdx-counter', { reason: 'Countersigned' }));
  });

  it.each([
    ['sdx-issuer', 'issuer'],
    ['sdx-counter', 'counter'],
  ] as const)('when %s is signed, then the update rewrites only that widget (adding /V and /AP) and adds the signature, appearance and embedded font', async (name, box) => {
    const [before, after] = name === 'sdx-issuer' ? [rendered, issued] : [issued, countersigned];
    const { objects, trailer } = await updateSection(before, after);
    const widgetRef = fieldRef(original, name);
    const oldSize = sizeOf(before);
    const rewritten = [...objects.keys()].filter((number) => number < oldSize);
    // AcroForm, catalog, page and /Annots are not among them.
    expect(rewritten).toEqual([widgetRef.objectNumber]);
    const added = [...objects.keys()].filter((number) => number >= oldSize).sort((a, b) => a - b);
    expect(Math.max(...added) + 1).toBe(sizeOf(after));
    expect(trailer).toMatch(new RegExp(`/Size ${sizeOf(after)}\\b`));

    const oldWidget = original.context.lookup(widgetRef, PDFDict);
    const widget = objects.get(widgetRef.objectNumber);
    if (!(widget instanceof PDFDict)) throw new Error('the widget is not a dictionary');
    const keys = (dict: PDFDict) => dict.keys().map((key) => key.asString()).sort();
    expect(keys(widget)).toEqual([...keys(oldWidget), '/AP', '/V'].sort());
    for (const key of oldWidget.keys()) expect(widget.get(key)?.toString()).toBe(oldWidget.get(key)?.toString());

    const sigRef = widget.get(PDFName.of('V'));
    const apRef = widget.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N'));
    if (!(sigRef instanceof PDFRef) || !(apRef instanceof PDFRef)) throw new Error('/V or /AP /N is not a reference');
    const sig = objects.get(sigRef.objectNumber);
    const ap = objects.get(apRef.objectNumber);
    if (!(sig instanceof PDFDict) || !(ap instanceof PDFRawStream)) throw new Error('signature or appearance missing from the update');
    expect(sig.get(PDFName.of('Type'))).toBe(PDFName.of('Sig'));
    expect(sig.get(PDFName.of('Filter'))).toBe(PDFName.of('Adobe.PPKLite'));
    expect(sig.get(PDFName.of('SubFilter'))).toBe(PDFName.of('ETSI.CAdES.detached'));
    // The appearance is the size of the reserved box, not of the rect the caller passed.
    const b = signatureBoxes[box];
    expect(numbers(widget.lookup(PDFName.of('Rect'), PDFArray))).toEqual([b.x, b.y, b.x + b.width, b.y + b.height]);
    expect(numbers(ap.dict.lookup(PDFName.of('BBox'), PDFArray))).toEqual([0, 0, b.width, b.height].map((n) => Math.round(n * 1e4) / 1e4));
    const fontRef = ap.dict.lookup(PDFName.of('Resources'), PDFDict).lookup(PDFName.of('Font'), PDFDict).get(PDFName.of('F1'));
    if (!(fontRef instanceof PDFRef)) throw new Error('the appearance names no font object');
    // Nothing else is added: the signature, its appearance, and the font subset the appearance draws in.
    expect(added).toEqual([sigRef.objectNumber, ...reachable(apRef, objects)].sort((a, b) => a - b));
    const fontObjects = [...reachable(fontRef, objects)].map((number) => objects.get(number));
    expect(fontObjects.some((object) => object instanceof PDFDict && object.has(PDFName.of('FontFile2')))).toBe(true);
  });

  itWith('pdffonts')('when countersigned, then pdffonts lists the page font and both appearance fonts, all embedded subsets', () => {
    const file = join(scratchDir(), 'countersigned.pdf');
    writeFileSync(file, countersigned);
    const rows = run('pdffonts', [file]).output.trim().split('\n').slice(2);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
  });

  it('when countersigned, then each signature covers its revision and the bytes before it are unchanged', () => {
    const [first, second] = embeddedSignatures(countersigned);
    expect((first?.byteRange[2] ?? 0) + (first?.byteRange[3] ?? 0)).toBe(issued.length);
    expect((second?.byteRange[2] ?? 0) + (second?.byteRange[3] ?? 0)).toBe(countersigned.length);
    expect(Buffer.from(countersigned.subarray(0, issued.length)).equals(Buffer.from(issued))).toBe(true);
  });

  it('when a filled reserved field is signed again, then it refuses with signature-field-filled', async () => {
    await expect(signPdf(issued, options(pki.ecSigner, 'sdx-issuer'))).rejects.toMatchObject({ code: 'signature-field-filled' });
    await expect(signPdf(countersigned, options(pki.ecSigner, 'sdx-counter'))).rejects.toMatchObject({ code: 'signature-field-filled' });
  });

  it('when both fields are filled, then the form still has exactly the two reserved fields and the page the same /Annots', async () => {
    const doc = await PDFDocument.load(countersigned, { updateMetadata: false });
    const form = doc.context.lookup(doc.catalog.get(PDFName.of('AcroForm')), PDFDict);
    expect(doc.catalog.get(PDFName.of('AcroForm'))).toBe(original.catalog.get(PDFName.of('AcroForm')));
    expect(doc.context.lookup(form.get(PDFName.of('Fields')), PDFArray).asArray()).toEqual([fieldRef(original, 'sdx-issuer'), fieldRef(original, 'sdx-counter')]);
    const pages = doc.getPages();
    expect(pages[pages.length - 1]?.node.Annots()?.asArray()).toEqual([fieldRef(original, 'sdx-issuer'), fieldRef(original, 'sdx-counter')]);
  });

  itWith('pdfsig', 'certutil', 'qpdf')('when issued and countersigned, then pdfsig names the reserved fields and calls both signatures valid, and qpdf --check passes', () => {
    for (const pdf of [issued, countersigned]) expect(qpdfCheck(pdf).ok).toBe(true);
    const results = pdfsig(nssDatabase(`${pki.dir}/root.pem`), countersigned);
    expect(results.map((r) => [r.valid, r.trusted])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(results[0]?.text).toContain('Signature Field Name: sdx-issuer');
    expect(results[1]?.text).toContain('Signature Field Name: sdx-counter');
    expect(results[1]?.totalDocumentSigned).toBe(true);
  });

  itWith('openssl')('when countersigned, then openssl cms -verify accepts both signatures', () => {
    for (const signature of embeddedSignatures(countersigned)) expect(opensslCmsVerify(signature, pki.dir).ok).toBe(true);
  });
});

describe('signing a foreign PDF with an empty signature field', () => {
  /**
   * An empty signature field as form tools write them: `merged` is one field/widget dictionary;
   * otherwise a field with one widget kid. The AcroForm is inline and has no SigFlags.
   */
  async function withEmptyField(rect: number[], merged: boolean): Promise<Uint8Array> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const page = doc.addPage([595.28, 841.89]);
    const context = doc.context;
    const widget = context.obj({ Type: 'Annot', Subtype: 'Widget', Rect: rect, F: 4, P: page.ref });
    const widgetRef = context.register(widget);
    let fieldRef = widgetRef;
    if (merged) {
      widget.set(PDFName.of('FT'), PDFName.of('Sig'));
      widget.set(PDFName.of('T'), PDFString.of('Approval'));
    } else {
      const field = context.obj({ FT: 'Sig', Kids: [widgetRef] });
      field.set(PDFName.of('T'), PDFString.of('Approval'));
      fieldRef = context.register(field);
      widget.set(PDFName.of('Parent'), fieldRef);
    }
    page.node.addAnnot(widgetRef);
    doc.catalog.set(PDFName.of('AcroForm'), context.obj({ Fields: [fieldRef] }));
    return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  }

  /** The field named Approval and its widget, read back. */
  async function approval(pdf: Uint8Array): Promise<{ doc: PDFDocument; form: PDFDict; field: PDFDict; widget: PDFDict }> {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const form = doc.context.lookup(doc.catalog.get(PDFName.of('AcroForm')), PDFDict);
    const field = doc.context.lookup(form.lookup(PDFName.of('Fields'), PDFArray).get(0), PDFDict);
    const kids = field.lookupMaybe(PDFName.of('Kids'), PDFArray);
    const widget = kids ? doc.context.lookup(kids.get(0), PDFDict) : field;
    return { doc, form, field, widget };
  }

  itWith('pdfsig', 'certutil', 'qpdf')('when its name is given, then the field is filled in place, SigFlags are set, and pdfsig calls the signature valid', async () => {
    const input = await withEmptyField([100, 100, 300, 150], true);
    const signed = await signPdf(input, options(pki.ecSigner, 'Approval'));
    const { doc, form, field, widget } = await approval(signed);
    expect(form.lookup(PDFName.of('SigFlags'), PDFNumber).asNumber()).toBe(3);
    expect(field.get(PDFName.of('V'))).toBeInstanceOf(PDFRef);
    const ap = doc.context.lookup(widget.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N')), PDFStream);
    expect(numbers(ap.dict.lookup(PDFName.of('BBox'), PDFArray))).toEqual([0, 0, 200, 50]);
    // Still one field and one widget on the page: nothing was added.
    expect(form.lookup(PDFName.of('Fields'), PDFArray).size()).toBe(1);
    expect(doc.getPage(0).node.Annots()?.size()).toBe(1);
    expect(qpdfCheck(signed).ok).toBe(true);
    const results = pdfsig(nssDatabase(`${pki.dir}/root.pem`), signed);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ valid: true, trusted: true, totalDocumentSigned: true });
    expect(results[0]?.text).toContain('Signature Field Name: Approval');
  });

  itWith('qpdf', 'openssl')('when the field has a separate widget, then /V goes on the field and /AP on the widget', async () => {
    // pdfsig 22.12 does not read a signature held by a parent field, so openssl checks this one.
    const input = await withEmptyField([100, 100, 300, 150], false);
    const signed = await signPdf(input, options(pki.ecSigner, 'Approval'));
    const { field, widget } = await approval(signed);
    expect(field.get(PDFName.of('V'))).toBeInstanceOf(PDFRef);
    expect(field.has(PDFName.of('AP'))).toBe(false);
    expect(widget.has(PDFName.of('AP'))).toBe(true);
    expect(widget.has(PDFName.of('V'))).toBe(false);
    expect(qpdfCheck(signed).ok).toBe(true);
    const [signature] = embeddedSignatures(signed);
    expect(signature && opensslCmsVerify(signature, pki.dir).ok).toBe(true);
  });

  it('when the empty field is invisible, then it is filled without an appearance', async () => {
    const signed = await signPdf(await withEmptyField([0, 0, 0, 0], true), options(pki.ecSigner, 'Approval'));
    const { field, widget } = await approval(signed);
    expect(field.get(PDFName.of('V'))).toBeInstanceOf(PDFRef);
    expect(widget.has(PDFName.of('AP'))).toBe(false);
  });
});
