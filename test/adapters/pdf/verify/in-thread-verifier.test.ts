// One verification on the caller's thread (what `sdx verify FILE` does): the report verifyPdf gives
// without a ledger, and a hard time limit that stops it in the middle of its work.
import { verifyInThisThread } from '../../../../src/adapters/pdf/verify/in-thread-verifier';
import { unusableInputFinding } from '../../../../src/adapters/pdf/verify/stopped-verification';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { certsDevTrust } from '../../../support/certs-dev';
import { fuzzInput, type FuzzSeed } from '../../../support/pdf-fuzz';
import { hugeXrefTable, sdxDemoSeeds, seedNamed, VERIFIED_AT } from '../../../support/pdf-fuzz-run';
import { appendAnnotation, dirtyContentsPadding, flipPageContentByte, flipSignedByte } from '../../../support/pdf-mutations';

const trust = certsDevTrust();
let seeds: FuzzSeed[];

beforeAll(async () => {
  seeds = await sdxDemoSeeds();
}, 60_000);

const seed = (name: string): Uint8Array => seedNamed(seeds, name);


describe('verifying on the caller\'s thread', () => {
  it('when genuine and altered documents are verified, then each report is the one verifyPdf gives without a ledger', async () => {
    const documents: [string, Uint8Array][] = [];
    for (const { name, bytes } of seeds) {
      documents.push(
        [name, bytes],
        [`${name}, a signed byte flipped`, flipSignedByte(bytes)],
        [`${name}, page content changed in an update`, flipPageContentByte(bytes)],
        [`${name}, an annotation added`, appendAnnotation(bytes)],
        [`${name}, /Contents padding dirtied`, dirtyContentsPadding(bytes)],
      );
    }
    for (let i = 0; i < 12; i++) {
      const input = fuzzInput(seeds, i);
      documents.push([`fuzz ${i} (${input.detail})`, input.bytes]);
    }
    const verdicts = new Set<string>();
    for (const [name, bytes] of documents) {
      const inThread = verifyInThisThread(bytes, { trust, now: VERIFIED_AT });
      expect({ name, report: inThread }).toEqual({ name, report: await verifyPdf(bytes, { trust, now: VERIFIED_AT }) });
      verdicts.add(inThread.verdict);
    }
    // The cases reach more than one verdict, so agreeing is not agreeing on "valid".
    expect(verdicts.has('valid')).toBe(true);
    expect(verdicts.has('invalid')).toBe(true);
  }, 120_000);

  it('when the caller expects a payload hash, then the report compares it as verifyPdf does', async () => {
    for (const expectedPayloadHash of ['0'.repeat(64), '']) {
      const inThread = verifyInThisThread(seed('delivery-order'), { trust, now: VERIFIED_AT, expectedPayloadHash });
      expect(inThread).toEqual(await verifyPdf(seed('delivery-order'), { trust, now: VERIFIED_AT, expectedPayloadHash }));
      expect(inThread.findings).toContainEqual(expect.objectContaining({ check: 'document.payload-hash', status: 'invalid', code: 'payload-hash-mismatch' }));
    }
  }, 30_000);

  it('when a verification runs over its time limit, then it is stopped mid-parse with a finding and the thread verifies the next one', () => {
    const started = Date.now();
    const stopped = verifyInThisThread(hugeXrefTable(), { trust, now: VERIFIED_AT }, 20);
    // Stopped by the watchdog, not run to its end and judged late.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stopped.verdict).toBe('invalid');
    expect(stopped.findings).toEqual([expect.objectContaining({ check: 'document.verification', status: 'invalid', code: 'verification-timed-out' })]);
    expect(stopped.findings[0]?.message).toContain('20 ms');
    expect(unusableInputFinding(stopped)?.code).toBe('verification-timed-out');
    expect(verifyInThisThread(seed('eir'), { trust, now: VERIFIED_AT }).verdict).toBe('valid');
  }, 60_000);

  it('when the same document gets the time it needs, then it is verified to the end', () => {
    const report = verifyInThisThread(hugeXrefTable(), { trust, now: VERIFIED_AT }, 60_000);
    expect(report.findings.map((f) => f.code)).not.toContain('verification-timed-out');
    expect(report.findings[0]?.check).toBe('document.parse');
  }, 120_000);

  it.each([0, -1, 2.5, Number.NaN])('when the time limit is %p, then it is refused before anything runs', (limit) => {
    expect(() => verifyInThisThread(seed('eir'), { trust, now: VERIFIED_AT }, limit)).toThrow(/whole number of ms/);
  });
});
