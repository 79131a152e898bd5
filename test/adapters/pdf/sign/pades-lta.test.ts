// PAdES B-LTA and validation at a chosen time: a document timestamp after the DSS, renewed by a TSA
// whose certificate outlives the first; a verifier clock set after the certificates expire (never
// the system clock). Checked by the verifier and, independently, by openssl ts -verify and qpdf.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extendToLevel, type LongTermOptions } from '../../../../src/adapters/pdf/sign/pades-ltv';
import { newestTimestampExpiry, renewArchiveIfDue } from '../../../../src/adapters/pdf/sign/archive-renewal';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { DevTimestampAuthority } from '../../../../src/adapters/pki/dev-timestamp-authority';
import { issueDevTimestampAuthority } from '../../../../src/adapters/pki/dev-pki';
import { certsDev, certsDevPath, certsDevTrust } from '../../../support/certs-dev';
import { itWith } from '../../../support/external-tools';
import { expectFinding, expectVerdict } from '../../../support/forgery-expect';
import { demoDocuments } from '../../../support/forgery-sources';
import { dssOf, folderRevocationSources } from '../../../support/ltv-sources';
import { embeddedSignatures, qpdfCheck, run, scratchDir } from '../../../support/pdf-signature-tools';
import { folderTsa } from '../../../support/temp-dev-pki';

jest.setTimeout(60_000);

/** After every certs-dev end-entity certificate (signers, TSA: 2026-01-01 + 10 years) has expired. */
const AFTER_EXPIRY = new Date('2036-06-01T00:00:00Z');
const RENEWED_AT = new Date('2035-06-01T00:00:00Z');

let bt: Uint8Array;
let lta: Uint8Array;
let renewed: Uint8Array;
let tsa2Dir: string;
beforeAll(async () => {
  const doc = (await demoDocuments()).find((d) => d.kind === 'delivery-order');
  if (!doc) throw new Error('no demo delivery order');
  bt = doc.firstSigned;
  const now = () => new Date();
  const options = (clock: () => Date, tsa: DevTimestampAuthority): LongTermOptions => ({ level: 'B-LTA', sources: folderRevocationSources(certsDev, clock), clock, timestampAuthority: tsa });
  lta = await extendToLevel(bt, options(now, folderTsa(certsDev, now)));
  // Before the first TSA's certificate expires, a TSA with a newer certificate stamps the archive again.
  tsa2Dir = mkdtempSync(join(tmpdir(), 'sdx-tsa2-'));
  await issueDevTimestampAuthority({ certsDir: certsDev, outDir: tsa2Dir, base: 'tsa', now: new Date('2035-01-01T00:00:00Z'), years: 10 });
  let serial = 0n;
  const tsa2 = DevTimestampAuthority.fromPem({
    certificatePem: readFileSync(join(tsa2Dir, 'tsa.pem'), 'utf8'),
    privateKeyPem: readFileSync(join(tsa2Dir, 'tsa.key.pem'), 'utf8'),
    chainPem: readFileSync(certsDevPath('issuing-ca.pem'), 'utf8'),
    clock: () => RENEWED_AT,
    nextSerial: () => ++serial,
  });
  renewed = await extendToLevel(lta, options(() => RENEWED_AT, tsa2));
});

function verifyAt(pdf: Uint8Array, now: Date) {
  return verifyPdf(pdf, { trust: certsDevTrust(), now });
}

describe('PAdES B-LTA', () => {
  it('when a B-LTA document is verified now, then it is valid and its last signature is the document timestamp', async () => {
    const report = await verifyAt(lta, new Date());
    expectVerdict(report, 'valid');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp']);
  });

  it('when the archive is renewed, then the DSS gains the first timestamp’s validation data and a second timestamp follows', async () => {
    // Renewed (on the test's clock) in 2035: verified the day after.
    const report = await verifyAt(renewed, new Date(RENEWED_AT.getTime() + 24 * 3600_000));
    expectVerdict(report, 'valid');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp', 'timestamp']);
    expect(dssOf(renewed).vriKeys).toHaveLength(2);
  });

  it('when verified after every certificate that signed it has expired, then the renewed B-LTA document is still valid', async () => {
    expectVerdict(await verifyAt(renewed, AFTER_EXPIRY), 'valid');
  });

  it('when the CAs’ CRLs and OCSP responders are gone, then the renewed archive is still valid after expiry, its revocation proven by its own DSS', async () => {
    const report = await verifyPdf(renewed, { trust: certsDevTrust({ withCrl: false }), now: AFTER_EXPIRY });
    expectVerdict(report, 'valid');
    const revocations = report.findings.filter((f) => f.check.endsWith('.revocation'));
    expect(revocations.map((f) => f.check)).toEqual(expect.arrayContaining(['signature[0].revocation', 'signature[0].timestamp-authority.revocation', 'signature[1].timestamp-authority.revocation']));
    for (const finding of revocations) expect(finding).toMatchObject({ status: 'valid', code: 'ok' });
    // The signer and the first archive timestamp's TSA are vouched for by OCSP answers in the DSS
    // (the newest timestamp's own data joins the DSS at the next renewal).
    for (const check of ['signature[0].revocation', 'signature[1].timestamp-authority.revocation']) {
      expect(revocations.find((f) => f.check === check)?.message).toContain('OCSP response of "O=SDX Development, CN=SDX Development OCSP Responder"');
    }
    // Without the DSS nothing speaks for the signer.
    const bare = await verifyPdf(bt, { trust: certsDevTrust({ withCrl: false }), now: new Date() });
    expectFinding(bare, { check: /^signature\[0\]\.revocation$/, code: 'no-crl', status: 'skipped' });
  });

  it('when a B-T document is verified after its TSA’s certificate expired, then it is indeterminate (no proof of existence), never valid', async () => {
    const report = await verifyAt(bt, AFTER_EXPIRY);
    expectVerdict(report, 'indeterminate');
    expectFinding(report, { code: 'out-of-bounds-no-poe', status: 'indeterminate' });
  });

  it('when a B-LTA document whose newest timestamp was never renewed is verified after expiry, then it is indeterminate', async () => {
    const report = await verifyAt(lta, AFTER_EXPIRY);
    expectVerdict(report, 'indeterminate');
    expectFinding(report, { code: 'out-of-bounds-no-poe', status: 'indeterminate' });
  });

  it('when the newest timestamp’s TSA certificate expires within the window, then renewArchiveIfDue renews it, else leaves the file alone', async () => {
    const tsa2 = DevTimestampAuthority.fromPem({
      certificatePem: readFileSync(join(tsa2Dir, 'tsa.pem'), 'utf8'),
      privateKeyPem: readFileSync(join(tsa2Dir, 'tsa.key.pem'), 'utf8'),
      chainPem: readFileSync(certsDevPath('issuing-ca.pem'), 'utf8'),
      clock: () => new Date('2035-12-01T00:00:00Z'),
      nextSerial: () => 7n,
    });
    const at = (iso: string) => ({ sources: folderRevocationSources(certsDev, () => new Date(iso)), clock: () => new Date(iso), timestampAuthority: tsa2 });
    const ninetyDays = 90 * 24 * 3600_000;
    const early = await renewArchiveIfDue(lta, at('2026-12-01T00:00:00Z'), ninetyDays);
    expect(early).toEqual({ renewed: false, expiry: new Date('2036-01-01T00:00:00Z') });
    const due = await renewArchiveIfDue(lta, at('2035-12-01T00:00:00Z'), ninetyDays);
    if (!due.renewed) throw new Error('not renewed');
    expect(newestTimestampExpiry(due.pdf)?.getFullYear()).toBe(2045);
    expectVerdict(await verifyAt(due.pdf, AFTER_EXPIRY), 'valid');
  });

  itWith('openssl')('when openssl ts -verify checks each document timestamp over its signed bytes, then it verifies', () => {
    const dir = scratchDir();
    const chain = join(dir, 'untrusted.pem');
    writeFileSync(chain, readFileSync(certsDevPath('issuing-ca.pem'), 'utf8'));
    const stamps = embeddedSignatures(renewed).slice(1);
    expect(stamps).toHaveLength(2);
    for (const [index, stamp] of stamps.entries()) {
      const token = join(dir, `token-${index}.der`);
      writeFileSync(token, stamp.cms);
      const digest = createHash('sha256').update(stamp.signedBytes).digest('hex');
      // The renewal's TSA certificate is valid from 2035: check each token at the time it was made.
      const attime = index === 0 ? [] : ['-attime', String(RENEWED_AT.getTime() / 1000)];
      const result = run('openssl', ['ts', '-verify', '-digest', digest, '-in', token, '-token_in', '-CAfile', certsDevPath('root-ca.pem'), '-untrusted', chain, ...attime]);
      expect(result.output).toContain('Verification: OK');
    }
  });

  itWith('qpdf')('when qpdf checks the renewed archive, then it finds no errors', () => {
    expect(qpdfCheck(renewed).ok).toBe(true);
  });
});
