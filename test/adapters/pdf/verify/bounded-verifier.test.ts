import { BoundedPdfVerifier } from '../../../../src/adapters/pdf/verify/bounded-verifier';
import { unusableInputFinding } from '../../../../src/adapters/pdf/verify/stopped-verification';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { certsDevTrust } from '../../../support/certs-dev';
import type { FuzzSeed } from '../../../support/pdf-fuzz';
import { hugeXrefTable, sdxDemoSeeds, seedNamed, VERIFIED_AT } from '../../../support/pdf-fuzz-run';

/**
 * The bounds the service and `sdx verify` over several files put around each verification: a worker thread with a
 * wall-clock limit and a V8 heap limit. Runs the compiled worker (dist/), which npm test builds.
 */
const trust = certsDevTrust();
let seeds: FuzzSeed[];
const verifiers: BoundedPdfVerifier[] = [];

beforeAll(async () => {
  seeds = await sdxDemoSeeds();
}, 60_000);

afterAll(async () => {
  await Promise.all(verifiers.map((v) => v.close()));
});

function verifier(options: { timeLimitMs?: number; memoryLimitMb?: number; maxQueued?: number } = {}): BoundedPdfVerifier {
  const made = new BoundedPdfVerifier({ trust, ...options });
  verifiers.push(made);
  return made;
}


const seed = (name: string): Uint8Array => seedNamed(seeds, name);

describe('verification bounded in time and memory', () => {
  it('when a document verifies on a worker, then the report is the one verifying in-process gives', async () => {
    const bounded = await verifier().verify(seed('eir'), { now: VERIFIED_AT });
    const inProcess = await verifyPdf(seed('eir'), { trust, now: VERIFIED_AT });
    expect(bounded).toEqual(inProcess);
    expect(bounded.verdict).toBe('valid');
  }, 30_000);

  it('when the verifier asks the ledger, then the question crosses to the main thread and the answer back', async () => {
    const asked: string[] = [];
    const report = await verifier().verify(seed('delivery-order'), {
      now: VERIFIED_AT,
      ledger: async (documentId) => {
        asked.push(documentId);
        return { payloadHash: 'not-the-hash', revisions: [], findings: [{ check: 'ledger.test', status: 'valid', code: 'ok', message: 'from the main thread', required: false }] };
      },
    });
    expect(asked).toEqual(['demo-do-0001']);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'document.payload-hash', status: 'invalid', code: 'payload-hash-mismatch' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'ledger.test', message: 'from the main thread' }));
  }, 30_000);

  it('when a verification runs over its time limit, then it is stopped with a finding and the next one runs on a fresh worker', async () => {
    const v = verifier({ timeLimitMs: 20 });
    const stopped = await v.verify(hugeXrefTable(), { now: VERIFIED_AT });
    expect(stopped.verdict).toBe('invalid');
    expect(stopped.findings).toEqual([expect.objectContaining({ check: 'document.verification', status: 'invalid', code: 'verification-timed-out' })]);
    expect(unusableInputFinding(stopped)?.code).toBe('verification-timed-out');
    const after = await verifier({ timeLimitMs: 10_000 }).verify(seed('delivery-order'), { now: VERIFIED_AT });
    expect(after.verdict).toBe('valid');
  }, 60_000);

  it('when a verification needs more heap than its worker may use, then it is stopped with a finding and the worker replaced', async () => {
    const v = verifier({ memoryLimitMb: 32 });
    const stopped = await v.verify(hugeXrefTable(), { now: VERIFIED_AT });
    expect(stopped.findings).toEqual([expect.objectContaining({ check: 'document.verification', status: 'invalid', code: 'verification-out-of-memory' })]);
    // The same verifier goes on with a new worker.
    expect((await v.verify(seed('delivery-order'), { now: VERIFIED_AT })).verdict).toBe('valid');
  }, 60_000);

  it('when too many verifications wait, then the next is refused as busy rather than queued without end', async () => {
    const v = verifier({ maxQueued: 1 });
    // The first waits for the worker to start; the second finds the queue full.
    const first = v.verify(seed('eir'), { now: VERIFIED_AT });
    await expect(v.verify(seed('eir'), { now: VERIFIED_AT })).rejects.toMatchObject({ code: 'busy' });
    expect((await first).verdict).toBe('valid');
  }, 60_000);

  it('when the verifier closes, then waiting verifications fail as pdf-pool-closed and new ones are refused', async () => {
    const v = new BoundedPdfVerifier({ trust });
    const waiting = expect(v.verify(seed('eir'), { now: VERIFIED_AT })).rejects.toMatchObject({ code: 'pdf-pool-closed' });
    await v.close();
    await waiting;
    await expect(v.verify(seed('eir'), { now: VERIFIED_AT })).rejects.toMatchObject({ code: 'pdf-pool-closed' });
  });
});
