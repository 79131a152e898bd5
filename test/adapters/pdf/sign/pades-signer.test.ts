import { PDFDocument, PDFHexString, StandardFonts } from 'pdf-lib';
import { signPdf, type SignPdfOptions } from '../../../../src/adapters/pdf/sign/pades-signer';
import type { PartySigner } from '../../../../src/application/ports/key-store.port';
import { SdxError } from '../../../../src/domain/shared/errors';
import { itWith } from '../../../support/external-tools';
import {
  embeddedSignatures,
  nssDatabase,
  opensslCmsVerify,
  opensslTsVerify,
  pdfsig,
  qpdfCheck,
  signatureTimestamp,
} from '../../../support/pdf-signature-tools';
import { testPki, type TestPki } from '../../../support/test-pki';

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
    signingTime,
    reason: 'Issued',
    location: 'Shanghai',
    rect: [360, 40, 560, 90],
    ...extra,
  };
}

let pki: TestPki;
beforeAll(async () => {
  pki = await testPki();
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

  it('when the field name is already taken, then it refuses with signature-field-exists', async () => {
    const once = await signPdf(await onePagePdf(), options(pki.ecSigner, 'sdx-sig-1'));
    await expect(signPdf(once, options(pki.ecSigner, 'sdx-sig-1'))).rejects.toMatchObject({ code: 'signature-field-exists' });
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
