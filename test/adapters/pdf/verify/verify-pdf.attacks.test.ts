import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTrustFinding, verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import type { TrustMaterial } from '../../../../src/adapters/pki/certificate-validation';

// The attack files are signed by their authors' test certificates; trusting nothing makes every
// chain finding invalid, so what the tests below require must come from the document checks.
const NO_TRUST: TrustMaterial = { anchors: [], intermediates: [], crls: [] };
const NOW = new Date('2026-03-01T00:00:00Z');
const root = join(__dirname, '../../../fixtures/pdf-attacks');

function fixtures(pattern: RegExp): string[] {
  return ['shadow', 'certification', 'itext-pdfinsecurity'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((file) => pattern.test(file))
      .map((file) => join(dir, file)),
  );
}

const manipulated = fixtures(/(_4_.*manipulated.*|_manipulate|^isa-3|^isaValidPdf|^siwa)\.pdf$/);
const originals = fixtures(/(_3_.*-signed|_original)\.pdf$/);

async function verifyFixture(file: string) {
  return verifyPdf(new Uint8Array(readFileSync(join(root, file))), { trust: NO_TRUST, now: NOW });
}

function documentProblems(findings: Awaited<ReturnType<typeof verifyFixture>>['findings']): string[] {
  return findings.filter((f) => f.status === 'invalid' && !isTrustFinding(f)).map((f) => `${f.check}:${f.code}`);
}

describe('verifyPdf on published attack files', () => {
  it('finds every manipulated fixture (14 files)', () => {
    expect(manipulated).toHaveLength(14);
  });

  it.each(manipulated)('when %s was manipulated after signing, then the verifier names the manipulation itself', async (file) => {
    const result = await verifyFixture(file);
    expect(result.verdict).toBe('invalid');
    expect(documentProblems(result.findings)).not.toEqual([]);
  });

  // What each attack is caught by; a regression here means a check stopped seeing the attack.
  it.each([
    ['itext-pdfinsecurity/siwa.pdf', 'signature[0].byte-range:byte-range-gap-not-contents'],
    ['itext-pdfinsecurity/isa-3.pdf', 'document.changes-after-signature[0]:unsigned-update-after-signature'],
    ['itext-pdfinsecurity/isaValidPdf.pdf', 'document.changes-after-signature[0]:unsigned-update-after-signature'],
    ['certification/ex2_03_NDA_cert_p2_sign_manipulate.pdf', 'signature[1].digest:digest-mismatch'],
    ['certification/ex1_03_Test_cert_p2_sign_manipulate.pdf', 'signature[1].byte-range:byte-range-not-covering-file'],
    ['shadow/replace__variant-2_replace-via-overwrite__4_original-document-shadowed-signed-manipulated.pdf', 'document.changes-after-signature[0]:unsigned-update-after-signature'],
  ])('when %s is verified, then it reports %s', async (file, expected) => {
    expect(documentProblems((await verifyFixture(file)).findings)).toContain(expected);
  });

  describe('the signed originals', () => {
    // Genuine problems of the originals, found by the verifier and checked here so they stay explained:
    // - ex1_02 signs with SHA-1 (weak-digest-algorithm) and its second signing (by Acrobat) rewrote a
    //   font, object 21, the XMP /Metadata and the first widget's /F flags after the certification
    //   signature; SDX's policy allows only signature additions, so changes-after-signature[0] fails.
    // - ex2_02 has a certification signature followed by an approval signature; nothing else changed.
    const known: Record<string, string[]> = {
      'certification/ex1_02_Test_cert_p2_sign_original.pdf': [
        'signature[0].digest-algorithm:weak-digest-algorithm',
        'signature[1].digest-algorithm:weak-digest-algorithm',
        'document.changes-after-signature[0]:modified-after-signature',
      ],
    };

    it.each(originals)('when %s is verified, then integrity holds and only trust fails (or the known problems)', async (file) => {
      const result = await verifyFixture(file);
      expect(documentProblems(result.findings)).toEqual(known[file] ?? []);
      const integrity = result.findings.filter((f) => /\.(byte-range|digest|signature)$/.test(f.check) && f.status !== 'skipped');
      expect(integrity.length).toBeGreaterThan(0);
      expect(integrity.every((f) => f.status === 'valid')).toBe(true);
      expect(result.findings.some((f) => isTrustFinding(f) && f.status === 'invalid')).toBe(true);
      expect(result.verdict).toBe('invalid');
    });
  });

  it('when an attack file uses xref streams, then its signatures are summarised per revision', async () => {
    const result = await verifyFixture('certification/ex2_02_NDA_cert_p2_sign_original.pdf');
    expect(result.signatures.map((s) => [s.fieldName, s.subFilter, s.coversWholeDocument, s.revision])).toEqual([
      ['Signature4', 'adbe.pkcs7.detached', false, 1],
      ['Signature', 'adbe.pkcs7.detached', true, 2],
    ]);
    expect(result.signatures[1]?.signerSubject).toContain('CN=Firstname Lastname');
  });
});
