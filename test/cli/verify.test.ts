// `sdx verify` as built: the verdict line a person reads first, one line per signature, and the
// exit codes (0 valid, 1 invalid, 2 unusable input, 3 indeterminate).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx } from '../support/built-cli';
import { appendAnnotation, appendIncrementalUpdate, firstPage, flipPageContentByte, nextObjectNumber } from '../support/pdf-mutations';
import { signTestPdf, testIdentity, unsignedPdf, type TestIdentity } from '../support/pdf-test-signing';

jest.setTimeout(60_000);

const work = mkdtempSync(join(tmpdir(), 'sdx-verify-cli-'));
const demoDir = join(work, 'demo');

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '');
}

/**
 * An update that adds an annotation whose own appearance stream paints a white box with new text
 * over the page (the "Evil Annotation" shape).
 */
function appendAppearanceAnnotation(pdf: Uint8Array): Uint8Array {
  const page = firstPage(pdf);
  const annotNum = nextObjectNumber(pdf);
  const apNum = annotNum + 1;
  const drawing = '1 g 0 0 350 40 re f BT 0 g /Helvetica 18 Tf 5 12 Td (Consignee: ANYONE) Tj ET';
  const annots = /\/Annots\s*\[([^\]]*)\]/.exec(page.body);
  const pageBody = annots
    ? page.body.replace(/\/Annots\s*\[([^\]]*)\]/, `/Annots [${annots[1] as string} ${annotNum} 0 R]`)
    : page.body.replace(/>>\s*$/, `/Annots [${annotNum} 0 R] >>`);
  return appendIncrementalUpdate(pdf, [
    { num: annotNum, body: `<< /Type /Annot /Subtype /Square /Rect [50 760 400 800] /F 4 /AP << /N ${apNum} 0 R >> >>` },
    { num: apNum, body: `<< /Type /XObject /Subtype /Form /BBox [0 0 350 40] /Length ${drawing.length} >>\nstream\n${drawing}\nendstream` },
    { num: page.num, body: pageBody },
  ]);
}

function pem(identity: TestIdentity): string {
  const base64 = Buffer.from(identity.certificate).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

describe('sdx verify: verdict line, signatures and exit codes', () => {
  beforeAll(() => {
    // These cases count B-T signatures and revisions; B-LTA demos (the default) are checked below.
    const demo = runSdx(['demo', '--out', demoDir], { env: { SDX_PADES_LEVEL: 'T' } });
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
  });

  it.each([
    ['delivery-order.pdf', 1],
    ['eir.pdf', 2],
    ['telex-release-guarantee.pdf', 2],
  ])('a demo %s is VALID (ledger not consulted), exit 0, one line per signature, then the findings and the verdict', (file, signatureCount) => {
    const result = runSdx(['verify', join(demoDir, file)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^VALID \(ledger not consulted\): \d signatures? valid/);
    expect(out.slice(1, 1 + signatureCount).every((line, i) => line.startsWith(`signature ${i + 1}: `))).toBe(true);
    expect(out[1 + signatureCount]).toMatch(/^ok {3}document\.parse: /);
    expect(out[out.length - 1]).toBe('verdict: valid');
  });

  it('with --json the report is printed as is, with the same exit code', () => {
    const result = runSdx(['verify', join(demoDir, 'eir.pdf'), '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { verdict: string; ledger: string; summary: { outcome: string }; signatures: unknown[] };
    expect(report).toMatchObject({ verdict: 'valid', ledger: 'not-checked', summary: { outcome: 'valid-not-recorded' } });
    expect(report.signatures).toHaveLength(2);
  });

  it('a byte flipped in the signed page content is FORGED OR CHANGED in revision 1, signed by the issuer; exit 1', () => {
    const path = write('flipped.pdf', flipPageContentByte(readFileSync(join(demoDir, 'eir.pdf'))));
    const result = runSdx(['verify', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^FORGED OR CHANGED: the content was changed after signing in revision 1, signed by .*Yangshan Demo Container Terminal.* \[digest-mismatch\]$/);
    expect(out[out.length - 1]).toBe('verdict: invalid');
  });

  it('a file that is not a PDF CANNOT BE VERIFIED, exit 2 with a one-line reason', () => {
    const result = runSdx(['verify', write('note.pdf', 'hello, not a pdf\n')]);
    expect(result.code).toBe(2);
    expect(lines(result.stdout)[0]).toBe('CANNOT BE VERIFIED: the file is not a PDF [not-a-pdf]');
    expect(result.stderr.trim()).toMatch(/^sdx verify: .* cannot be verified: .* \[not-a-pdf\]$/);
  });

  it('a missing file and bad arguments exit 2 with the usage', () => {
    expect(runSdx(['verify', join(work, 'absent.pdf')]).code).toBe(2);
    const usage = runSdx(['verify']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/exit 0 valid, 1 invalid .*2 unusable input, 3 indeterminate/);
    const help = runSdx(['verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: sdx verify FILE.pdf');
  });

  // Findings carry the revision they are about: the unsigned update is revision 3 (0 render,
  // 1 issuer, 2 haulier), and no signature covers it.
  it('an unsigned annotation appended after the last signature is FORGED OR CHANGED in revision 3; exit 1', () => {
    const path = write('appended.pdf', appendAnnotation(readFileSync(join(demoDir, 'eir.pdf'))));
    const result = runSdx(['verify', path]);
    expect(result.code).toBe(1);
    const first = lines(result.stdout)[0];
    expect(first).toMatch(/^FORGED OR CHANGED: .+ in revision 3 \[(unsigned-update-after-signature|annotation-added-after-signature)\]$/);
  });

  // On a PDF SDX did not issue, an appearance drawn after a signature and then covered by a
  // second, valid signature is indeterminate (exit 3).
  it('a foreign PDF with an appearance drawn between two valid signatures is INDETERMINATE, exit 3', async () => {
    const first = await testIdentity('ec-p256', 'Foreign Signer One');
    const second = await testIdentity('ec-p256', 'Foreign Signer Two');
    const once = await signTestPdf(await unsignedPdf(), { cms: { identity: first } });
    const twice = await signTestPdf(appendAppearanceAnnotation(once), { cms: { identity: second } });
    const path = write('foreign-indeterminate.pdf', twice);
    const result = runSdx(['verify', path, '--trust', write('first.pem', pem(first)), '--trust', write('second.pem', pem(second))]);
    expect(result.stderr).toBe('');
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^INDETERMINATE: look at something visible was drawn after signing \(revision 2\) \[visible-change-after-signature\]$/);
    expect(out[out.length - 1]).toBe('verdict: indeterminate');
    expect(result.code).toBe(3);
  });

  // Each signer's SDX party and role, and the trusted time of its timestamp.
  it('each signature line names the signer party, its role and the trusted time in Beijing time', () => {
    const out = lines(runSdx(['verify', join(demoDir, 'eir.pdf')]).stdout);
    expect(out[1]).toMatch(/^signature 1: Yangshan Demo Container Terminal \(demo-terminal\b.*\), issuer, \d{4}-\d\d-\d\d \d\d:\d\d 北京时间 \(UTC\+8\)$/);
    expect(out[2]).toMatch(/^signature 2: Donghai Trucking \(demo\) \(demo-haulier-a\b.*\), countersigner, \d{4}-\d\d-\d\d \d\d:\d\d 北京时间 \(UTC\+8\)$/);
  });
});

describe('sdx verify --at: validation at a chosen time', () => {
  it('when sdx demo writes its default B-LTA files, then each verifies valid now with one document timestamp after its signatures', () => {
    const ltaDir = join(work, 'demo-lta');
    expect(runSdx(['demo', '--out', ltaDir]).code).toBe(0);
    const result = runSdx(['verify', join(ltaDir, 'eir.pdf'), '--json']);
    const report = JSON.parse(result.stdout) as { verdict: string; signatures: { role: string }[] };
    expect(report.verdict).toBe('valid');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp', 'countersigner', 'timestamp']);
    expect(result.code).toBe(0);
  });

  it('when a B-T demo file is verified at a date after its TSA certificate expired, then it is INDETERMINATE, exit 3', () => {
    const result = runSdx(['verify', join(demoDir, 'delivery-order.pdf'), '--at', '2036-06-01']);
    expect(lines(result.stdout)[0]).toMatch(/^INDETERMINATE: /);
    expect(result.stdout).toContain('[out-of-bounds-no-poe]');
    expect(result.code).toBe(3);
  });

  it('when --at is not a date, then sdx verify says so and exits 2', () => {
    const result = runSdx(['verify', join(demoDir, 'delivery-order.pdf'), '--at', 'next-year']);
    expect(result.stderr).toContain('--at must be an ISO 8601 date');
    expect(result.code).toBe(2);
  });
});
