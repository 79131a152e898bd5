import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentKinds, type DocumentKind } from '../../src/domain/document/document';
import { runSdx } from '../support/built-cli';
import { certsDevPath } from '../support/certs-dev';
import { itWith } from '../support/external-tools';
import { appendAnnotation, flipSignedByte } from '../support/pdf-mutations';
import {
  embeddedSignatures,
  nssDatabase,
  opensslCmsVerify,
  opensslTsVerify,
  pdfsig,
  qpdfCheck,
  run,
  signatureTimestamp,
} from '../support/pdf-signature-tools';

/** The documents `sdx demo` writes, and how many signatures each carries. */
const expectedSignatures: Record<DocumentKind, number> = {
  'delivery-order': 1,
  eir: 2,
  'telex-release-guarantee': 2,
};

const work = mkdtempSync(join(tmpdir(), 'sdx-conformance-'));
const demoDir = join(work, 'demo');
const pkiDir = join(work, 'pki');
const pdfs = {} as Record<DocumentKind, Uint8Array>;

beforeAll(() => {
  const demo = runSdx(['demo', '--out', demoDir], { env: { SDX_PADES_LEVEL: 'T' } });
  if (demo.code !== 0) throw new Error(`sdx demo failed: ${demo.stderr}`);
  for (const kind of documentKinds) pdfs[kind] = readFileSync(join(demoDir, `${kind}.pdf`));
  // The file names the shared openssl helpers expect, taken from certs-dev.
  mkdirSync(pkiDir);
  copyFileSync(certsDevPath('root-ca.pem'), join(pkiDir, 'root.pem'));
  copyFileSync(certsDevPath('issuing-ca.pem'), join(pkiDir, 'issuing.pem'));
  copyFileSync(certsDevPath('tsa.pem'), join(pkiDir, 'tsa.pem'));
}, 60_000);

function writePdf(name: string, bytes: Uint8Array): string {
  const file = join(work, name);
  writeFileSync(file, bytes);
  return file;
}

describe.each(documentKinds)('the demo %s, checked from outside', (kind) => {
  itWith('pdfsig', 'certutil')('pdfsig with an NSS database trusting only certs-dev/root-ca.pem calls every signature valid and trusted', () => {
    const signatures = pdfsig(nssDatabase(certsDevPath('root-ca.pem')), pdfs[kind]);
    expect(signatures).toHaveLength(expectedSignatures[kind]);
    for (const signature of signatures) {
      expect(signature.text).toContain('Signature is Valid.');
      expect(signature.text).toContain('Certificate is Trusted.');
      expect(signature.text).toContain('ETSI.CAdES.detached');
    }
    expect(signatures[signatures.length - 1]?.totalDocumentSigned).toBe(true);
  });

  itWith('openssl')('openssl cms -verify accepts every signature and openssl ts -verify every timestamp', () => {
    const signatures = embeddedSignatures(pdfs[kind]);
    expect(signatures).toHaveLength(expectedSignatures[kind]);
    for (const signature of signatures) {
      const cms = opensslCmsVerify(signature, pkiDir);
      expect(cms.output).toContain('Verification successful');
      const timestamp = signatureTimestamp(signature.cms);
      expect(timestamp).toBeDefined();
      if (timestamp) expect(opensslTsVerify(timestamp.token, timestamp.signatureValue, pkiDir).output).toContain('Verification: OK');
    }
  });

  itWith('qpdf')('qpdf --check finds no errors', () => {
    expect(qpdfCheck(pdfs[kind]).output).toContain('No syntax or stream encoding errors found');
  });

  itWith('pdftotext')('pdftotext gives back the bilingual title', () => {
    const titles: Record<DocumentKind, [string, string]> = {
      'delivery-order': ['提货单', 'Delivery Order'],
      eir: ['设备交接单', 'Equipment Interchange Receipt'],
      'telex-release-guarantee': ['电放保函', 'Telex Release Guarantee'],
    };
    const text = run('pdftotext', [writePdf(`${kind}-text.pdf`, pdfs[kind]), '-']).output;
    for (const title of titles[kind]) expect(text).toContain(title);
  });

  itWith('pdffonts')('pdffonts lists every font, signature appearances included, as embedded', () => {
    const rows = run('pdffonts', [writePdf(`${kind}-fonts.pdf`, pdfs[kind])]).output.trim().split('\n').slice(2);
    // The page font and one per signature appearance.
    expect(rows).toHaveLength(1 + expectedSignatures[kind]);
    for (const row of rows) expect(row).toMatch(/CID TrueType\s+Identity-H\s+yes yes yes/);
  });

  itWith('pdftotext')('pdftotext finds Beijing times only, the business number in the footer and bilingual signature boxes', () => {
    const text = run('pdftotext', ['-layout', writePdf(`${kind}-layout.pdf`, pdfs[kind]), '-']).output;
    expect(text).toMatch(/签发时间 Issued at\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间 \(UTC\+8\)/);
    // No instant left in ISO form or in UTC.
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toMatch(/\d{2}:\d{2}(:\d{2})? UTC\b/);
    // One Beijing time in each signature box.
    const signed = text.match(/已数字签名 Digitally signed/g) ?? [];
    expect(signed).toHaveLength(expectedSignatures[kind]);
    const numbers: Record<DocumentKind, string> = {
      'delivery-order': 'DO-SHA-2026-000123',
      eir: 'EIR-SHA-2026-004711',
      'telex-release-guarantee': 'TRG-PUS-2026-0007',
    };
    const pages = text.split('\f').filter((page) => page.trim() !== '');
    for (const page of pages) expect(page).toMatch(new RegExp(`${numbers[kind]} · demo-[a-z]+-0001 · v1`));
    // Names and numbers are never split across lines.
    expect(text).not.toMatch(/集装箱码\s*\n\s*头/);
    expect(text).not.toMatch(/（演\s*\n/);
    expect(text).toContain('电子签章');
  });

  it('sdx verify calls it valid and exits 0', () => {
    const result = runSdx(['verify', writePdf(`${kind}.pdf`, pdfs[kind]), '--json']);
    const report = JSON.parse(result.stdout) as { verdict: string; findings: { status: string; required: boolean }[] };
    expect(report.verdict).toBe('valid');
    expect(report.findings.filter((f) => f.required && f.status !== 'valid')).toEqual([]);
    expect(result.code).toBe(0);
  });

  describe('when one byte inside the last signed range is flipped', () => {
    const tampered = () => {
      const signatures = embeddedSignatures(pdfs[kind]);
      const last = signatures[signatures.length - 1];
      if (!last) throw new Error('no signature');
      // Inside the first range, past the header: page content the signature covers.
      return flipSignedByte(pdfs[kind], Math.floor(last.byteRange[1] / 2));
    };

    itWith('pdfsig', 'certutil')('pdfsig no longer calls the last signature valid', () => {
      const signatures = pdfsig(nssDatabase(certsDevPath('root-ca.pem')), tampered());
      expect(signatures[signatures.length - 1]?.valid).toBe(false);
    });

    itWith('openssl')('openssl cms -verify fails', () => {
      const signatures = embeddedSignatures(tampered());
      const last = signatures[signatures.length - 1];
      if (!last) throw new Error('no signature');
      expect(opensslCmsVerify(last, pkiDir).ok).toBe(false);
    });

    it('sdx verify reports a digest mismatch and exits 1', () => {
      const result = runSdx(['verify', writePdf(`${kind}-flipped.pdf`, tampered())]);
      expect(result.stdout).toMatch(/FAIL signature\[\d\]\.digest: .*\[digest-mismatch\]/);
      expect(result.stdout).toContain('verdict: invalid');
      expect(result.code).toBe(1);
    });
  });

  it('sdx verify catches an annotation appended after the last signature, which pdfsig would not flag as broken', () => {
    const result = runSdx(['verify', writePdf(`${kind}-annotated.pdf`, appendAnnotation(pdfs[kind]))]);
    expect(result.stdout).toMatch(/\[unsigned-update-after-signature\]/);
    expect(result.code).toBe(1);
  });
});

describe('sdx verify on unusable input and untrusted roots', () => {
  it('exits 2 with a clear finding for a file that is not a PDF', () => {
    const result = runSdx(['verify', writePdf('not.pdf', Buffer.from('{"this": "is json"}'))]);
    expect(result.stdout).toMatch(/document\.parse: .*\[not-a-pdf\]/);
    expect(result.code).toBe(2);
  });

  it('exits 2 with a one-line reason when the file is missing', () => {
    const result = runSdx(['verify', join(work, 'missing.pdf')]);
    expect(result.stderr.trim()).toMatch(/^sdx verify: cannot read .*missing\.pdf$/);
    expect(result.code).toBe(2);
  });

  it('exits 1 naming an untrusted chain when --trust names another root', () => {
    const result = runSdx(['verify', writePdf('do-untrusted.pdf', pdfs['delivery-order']), '--trust', certsDevPath('tsa.pem')]);
    expect(result.stdout).toMatch(/FAIL signature\[0\]\.chain: .*\[chain-untrusted\]/);
    expect(result.code).toBe(1);
  });

  it('keeps a single-page document under 200 KB', () => {
    expect(pdfs['delivery-order'].byteLength).toBeLessThan(200 * 1024);
  });
});
