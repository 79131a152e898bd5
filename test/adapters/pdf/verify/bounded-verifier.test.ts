import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BoundedPdfVerifier, unusableInputFinding } from '../../../../src/adapters/pdf/verify/bounded-verifier';
import {
  DEFAULT_VERIFY_MEMORY_MB,
  prestartVerifyWorker,
  takePrestartedVerifyWorker,
  verifyWorkerScript,
} from '../../../../src/adapters/pdf/verify/verify-worker-start';
import { repoRoot } from '../../../support/examples';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { certsDevTrust } from '../../../support/certs-dev';
import type { FuzzSeed } from '../../../support/pdf-fuzz';
import { sdxDemoSeeds, VERIFIED_AT } from '../../../support/pdf-fuzz-run';

/**
 * The bounds the service and `sdx verify` put around each verification: a worker thread with a
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

/** A 18 MB cross-reference table of 900,000 entries: legal, under every parser limit, heavy on the heap. */
function hugeXrefTable(): Uint8Array {
  const entries = '0000000009 00000 n \n'.repeat(900_000);
  return new Uint8Array(Buffer.from(`%PDF-1.7\nxref\n0 900000\n${entries}trailer << /Root 1 0 R /Size 900000 >>\nstartxref\n9\n%%EOF\n`, 'latin1'));
}

function seed(name: string): Uint8Array {
  const found = seeds.find((s) => s.name === name);
  if (!found) throw new Error(`no seed ${name}`);
  return found.bytes;
}

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

describe('a verification worker started before its verifier', () => {
  it('when a worker was prestarted, then the first verifier with the same limits takes it, hands it the trust anchors and verifies', async () => {
    prestartVerifyWorker();
    const bounded = verifier();
    const report = await bounded.verify(seed('eir'), { now: VERIFIED_AT });
    expect(report).toEqual(await verifyPdf(seed('eir'), { trust, now: VERIFIED_AT }));
    // It was taken: nothing is left for the next verifier.
    expect(takePrestartedVerifyWorker(verifyWorkerScript(), { memoryLimitMb: DEFAULT_VERIFY_MEMORY_MB })).toBeUndefined();
  }, 30_000);

  it('when a worker was prestarted for other limits, then a verifier does not take it and it stays for one that fits', async () => {
    prestartVerifyWorker();
    const tight = verifier({ memoryLimitMb: 64 });
    expect((await tight.verify(seed('eir'), { now: VERIFIED_AT })).verdict).toBe('valid');
    const waiting = takePrestartedVerifyWorker(verifyWorkerScript(), { memoryLimitMb: DEFAULT_VERIFY_MEMORY_MB });
    expect(waiting).toBeDefined();
    await waiting?.terminate();
  }, 30_000);

  it('when a prestarted worker is never taken, then the process still ends on its own', () => {
    const script = `require(${JSON.stringify(join(repoRoot, 'dist', 'adapters', 'pdf', 'verify', 'verify-worker-start.js'))}).prestartVerifyWorker();`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
