import { createHash } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isTrustFinding, verifyPdf, type PdfVerificationReport } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { loadTrustMaterialFromPem, type TrustMaterial } from '../../../../src/adapters/pki/certificate-validation';
import { x509 } from '../../../../src/adapters/pki/x509';
import { itWith } from '../../../support/external-tools';
import {
  appendAnnotation,
  appendContentOverlay,
  dirtyContentsPadding,
  flipSignedByte,
  redefinePageContent,
  rewriteByteRange,
  signatureLocations,
} from '../../../support/pdf-mutations';
import { signTestPdf, testIdentity, unsignedPdf, type TestIdentity } from '../../../support/pdf-test-signing';

const NOW = new Date('2026-03-02T00:00:00Z');
const NO_TRUST: TrustMaterial = { anchors: [], intermediates: [], crls: [] };
const PAYLOAD_HASH = createHash('sha256').update('delivery order payload').digest('hex');

let ec: TestIdentity;
let other: TestIdentity;
let tsa: TestIdentity;
let pades: Uint8Array;
let p12Signed: Uint8Array;

beforeAll(async () => {
  ec = await testIdentity('ec-p256');
  other = await testIdentity('ec-p256', 'Someone Else');
  tsa = await testIdentity('ec-p256', 'SDX Verifier Test TSA');
  pades = await signTestPdf(await unsignedPdf({ payloadHash: PAYLOAD_HASH }), { cms: { identity: ec } });
  p12Signed = await signTestPdf(await unsignedPdf());
});

function problems(result: PdfVerificationReport): string[] {
  return result.findings.filter((f) => f.status !== 'valid' && f.required && !isTrustFinding(f)).map((f) => `${f.check}:${f.code}`);
}

function codeOf(result: PdfVerificationReport, check: string): string | undefined {
  return result.findings.find((f) => f.check === check)?.code;
}

function pem(identity: TestIdentity): string {
  return new x509.X509Certificate(identity.certificate).toString('pem');
}

describe('verifyPdf on correctly signed PDFs', () => {
  it.each(['ec-p256', 'ec-p384', 'rsa', 'rsa-pss'] as const)('when a PAdES signature uses %s, then every document check is valid', async (kind) => {
    const identity = kind === 'ec-p256' ? ec : await testIdentity(kind);
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity } });
    const result = await verifyPdf(pdf, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual([]);
    expect(codeOf(result, 'signature[0].signature')).toBe('ok');
    expect(codeOf(result, 'signature[0].signing-certificate')).toBe('ok');
  });

  it('when @signpdf/signer-p12 (node-forge) signs adbe.pkcs7.detached, then integrity is valid and signing-certificate is not required', async () => {
    const result = await verifyPdf(p12Signed, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual([]);
    expect(result.findings.find((f) => f.check === 'signature[0].signing-certificate')).toMatchObject({ status: 'skipped', required: false });
  });

  it('when nothing is trusted, then the verdict is invalid only because of the chain', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW });
    expect(result.verdict).toBe('invalid');
    expect(result.findings.filter((f) => f.status === 'invalid').every(isTrustFinding)).toBe(true);
  });

  it('when the signer certificate is the trust anchor and the payload hash matches, then the verdict is valid', async () => {
    const trust = loadTrustMaterialFromPem({ anchors: [pem(ec)] });
    const result = await verifyPdf(pades, { trust, now: NOW, expectedPayloadHash: PAYLOAD_HASH });
    expect(result.findings.filter((f) => f.required && f.status !== 'valid')).toEqual([]);
    expect(result.verdict).toBe('valid');
  });

  it('summarises each signature for --json output', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW });
    expect(result.signatures).toEqual([
      {
        index: 0,
        fieldName: 'Signature1',
        subFilter: 'ETSI.CAdES.detached',
        signerSubject: 'CN=SDX Verifier Test ec-p256, O=SDX Tests',
        signerPartyId: null,
        signerName: 'SDX Verifier Test ec-p256',
        signerLegalId: null,
        role: null,
        signingTime: '2026-03-01T10:00:00.000Z',
        trustedTime: null,
        coversWholeDocument: true,
        revision: 1,
      },
    ]);
  });

  it('when a second signature is added in an incremental update, then both signatures stay intact', async () => {
    const twice = await signTestPdf(pades, { cms: { identity: other }, name: 'Second Signer' });
    const result = await verifyPdf(twice, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual([]);
    expect(result.signatures.map((s) => [s.coversWholeDocument, s.revision])).toEqual([[false, 1], [true, 2]]);
    expect(codeOf(result, 'document.changes-after-signature[0]')).toBe('ok');
  });

  itWith('pdfsig')('agrees with pdfsig that the test fixtures are validly signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-verify-'));
    writeFileSync(join(dir, 'signed.pdf'), pades);
    const run = spawnSync('pdfsig', [join(dir, 'signed.pdf')], { encoding: 'utf8' });
    expect(run.stdout).toContain('Signature Validation: Signature is Valid.');
  });
});

describe('verifyPdf names each integrity failure', () => {
  it('when a signed byte is flipped, then signature[0].digest is digest-mismatch', async () => {
    const result = await verifyPdf(flipSignedByte(pades), { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['signature[0].digest:digest-mismatch']);
  });

  it('when the /ByteRange does not start at 0, then byte-range-not-at-start', async () => {
    const [a, b, c, d] = signatureLocations(pades)[0]?.byteRange ?? [];
    const result = await verifyPdf(rewriteByteRange(pades, [1, Number(b) - 1, Number(c), Number(d)]), { trust: NO_TRUST, now: NOW });
    expect(a).toBe(0);
    expect(codeOf(result, 'signature[0].byte-range')).toBe('byte-range-not-at-start');
  });

  it('when the /ByteRange ends short of the file and no signature follows, then byte-range-not-covering-file', async () => {
    const [, b, c, d] = signatureLocations(pades)[0]?.byteRange ?? [];
    const result = await verifyPdf(rewriteByteRange(pades, [0, Number(b), Number(c), Number(d) - 10]), { trust: NO_TRUST, now: NOW });
    expect(codeOf(result, 'signature[0].byte-range')).toBe('byte-range-not-covering-file');
    expect(codeOf(result, 'document.changes-after-signature[0]')).toBe('unsigned-update-after-signature');
  });

  it('when the unsigned gap is larger than /Contents, then byte-range-gap-not-contents', async () => {
    const [, b, c, d] = signatureLocations(pades)[0]?.byteRange ?? [];
    const result = await verifyPdf(rewriteByteRange(pades, [0, Number(b) - 12, Number(c), Number(d)]), { trust: NO_TRUST, now: NOW });
    expect(codeOf(result, 'signature[0].byte-range')).toBe('byte-range-gap-not-contents');
  });

  it('when the /ByteRange runs past the end of the file, then byte-range-out-of-bounds', async () => {
    const [, b, c, d] = signatureLocations(pades)[0]?.byteRange ?? [];
    const result = await verifyPdf(rewriteByteRange(pades, [0, Number(b), Number(c), Number(d) + 100]), { trust: NO_TRUST, now: NOW });
    expect(codeOf(result, 'signature[0].byte-range')).toBe('byte-range-out-of-bounds');
  });

  it('when the padding after the CMS in /Contents is not zero, then contents-padding-not-zero (the digest still matches)', async () => {
    const result = await verifyPdf(dirtyContentsPadding(pades), { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['signature[0].byte-range:contents-padding-not-zero']);
  });

  it('when signing-certificate-v2 hashes another certificate, then signing-certificate-mismatch', async () => {
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity: ec, signingCertificate: 'other', otherCertificate: other.certificate } });
    const result = await verifyPdf(pdf, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['signature[0].signing-certificate:signing-certificate-mismatch']);
  });

  it('when a PAdES signature has no signing-certificate-v2, then signing-certificate-missing', async () => {
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity: ec, signingCertificate: 'none' } });
    const result = await verifyPdf(pdf, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['signature[0].signing-certificate:signing-certificate-missing']);
  });
});

describe('verifyPdf checks signature timestamps', () => {
  it('when the timestamp covers this signature value, then the timestamp is valid and its time reported', async () => {
    const genTime = new Date('2026-03-01T10:00:05Z');
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity: ec, timestamp: { tsa, imprint: 'valid', genTime } } });
    const result = await verifyPdf(pdf, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual([]);
    expect(codeOf(result, 'signature[0].timestamp')).toBe('ok');
    expect(result.signatures[0]?.timestampTime).toBe(genTime.toISOString());
    expect(result.findings.some((f) => f.check.startsWith('signature[0].timestamp-authority'))).toBe(true);
  });

  it('when the timestamp was issued for other bytes, then timestamp-imprint-mismatch', async () => {
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity: ec, timestamp: { tsa, imprint: 'wrong-imprint' } } });
    expect(problems(await verifyPdf(pdf, { trust: NO_TRUST, now: NOW }))).toEqual(['signature[0].timestamp:timestamp-imprint-mismatch']);
  });

  it("when the token's own signature is broken, then timestamp-signature-invalid", async () => {
    const pdf = await signTestPdf(await unsignedPdf(), { cms: { identity: ec, timestamp: { tsa, imprint: 'bad-token-signature' } } });
    expect(problems(await verifyPdf(pdf, { trust: NO_TRUST, now: NOW }))).toEqual(['signature[0].timestamp:timestamp-signature-invalid']);
  });

  it('when there is no timestamp, then the check is skipped and not required', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW });
    expect(result.findings.find((f) => f.check === 'signature[0].timestamp')).toMatchObject({ status: 'skipped', code: 'no-timestamp', required: false });
  });
});

describe('verifyPdf reports changes after each signature', () => {
  it('when an unsigned update adds a content stream after the last signature, then unsigned-update-after-signature', async () => {
    const result = await verifyPdf(appendContentOverlay(pades), { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['document.changes-after-signature[0]:unsigned-update-after-signature']);
    expect(result.signatures[0]?.coversWholeDocument).toBe(false);
  });

  it('when an unsigned update adds an annotation after the last signature, then unsigned-update-after-signature naming it', async () => {
    const result = await verifyPdf(appendAnnotation(pades), { trust: NO_TRUST, now: NOW });
    const finding = result.findings.find((f) => f.check === 'document.changes-after-signature[0]');
    expect(finding?.code).toBe('unsigned-update-after-signature');
    expect(finding?.message).toMatch(/FreeText/);
  });

  it('when a later revision redefines the page content and is then countersigned, then the first signature reports modified-after-signature', async () => {
    const tampered = redefinePageContent(pades);
    const countersigned = await signTestPdf(tampered, { cms: { identity: other }, name: 'Countersigner' });
    const result = await verifyPdf(countersigned, { trust: NO_TRUST, now: NOW });
    expect(problems(result)).toEqual(['document.changes-after-signature[0]:modified-after-signature']);
    expect(result.findings.find((f) => f.check === 'document.changes-after-signature[0]')?.message).toMatch(/object \d+ \(a stream\) was redefined/);
  });
});

describe('verifyPdf compares the embedded payload hash with the ledger', () => {
  it('when the ledger expects another hash, then payload-hash-mismatch', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW, expectedPayloadHash: 'ab'.repeat(32) });
    expect(codeOf(result, 'document.payload-hash')).toBe('payload-hash-mismatch');
  });

  it('when the PDF embeds no payload hash, then payload-hash-missing', async () => {
    const result = await verifyPdf(p12Signed, { trust: NO_TRUST, now: NOW, expectedPayloadHash: PAYLOAD_HASH });
    expect(codeOf(result, 'document.payload-hash')).toBe('payload-hash-missing');
  });

  it('when no hash is expected and no ledger is asked, then no payload-hash check is reported', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW });
    expect(result.findings.find((f) => f.check === 'document.payload-hash')).toBeUndefined();
  });

  it('when the matching hash is found, then it is valid', async () => {
    const result = await verifyPdf(pades, { trust: NO_TRUST, now: NOW, expectedPayloadHash: PAYLOAD_HASH.toUpperCase() });
    expect(codeOf(result, 'document.payload-hash')).toBe('ok');
  });
});

describe('verifyPdf never throws for a bad document', () => {
  it.each([
    ['an empty input', 'not-a-pdf', new Uint8Array(0)],
    ['a text file', 'not-a-pdf', new Uint8Array(Buffer.from('hello, I am not a PDF'))],
    ['a truncated PDF', 'malformed-pdf', new Uint8Array(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n'))],
    ['a PDF with garbage instead of a trailer', 'malformed-pdf', new Uint8Array(Buffer.from('%PDF-1.7\nstartxref\n999999\n%%EOF\n'))],
  ])('when the input is %s, then document.parse says %s', async (_label, code, bytes) => {
    const result = await verifyPdf(bytes, { trust: NO_TRUST, now: NOW });
    expect(result.verdict).toBe('invalid');
    expect(result.findings[0]).toMatchObject({ check: 'document.parse', status: 'invalid', code });
  });

  it('when /Contents is not a CMS structure, then the CMS-dependent checks are skipped and the verdict is invalid', async () => {
    const [, b] = signatureLocations(pades)[0]?.byteRange ?? [];
    const broken = Uint8Array.from(pades);
    broken.set(Buffer.from('ff'.repeat(8), 'latin1'), Number(b) + 1);
    const result = await verifyPdf(broken, { trust: NO_TRUST, now: NOW });
    expect(result.verdict).toBe('invalid');
    expect(result.findings.find((f) => f.check === 'signature[0].digest')?.status).not.toBe('valid');
  });
});
