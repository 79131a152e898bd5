import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { VerificationReport } from '../../src/domain/verification/finding';
import { runSdx } from '../support/built-cli';
import { fuzzInput, mutationClasses, type FuzzInput, type FuzzSeed } from '../support/pdf-fuzz';
import { attackFiles, fuzzCorpus, fuzzCounts, stress, Timings, verdictProblem } from '../support/pdf-fuzz-run';
import { startTestApp, type TestApp } from '../support/test-app';
import { Client, gateRecordExample, P } from './exchange-client';

/**
 * Hostile PDFs through the two public doors: POST /verify on the real app, with verification on
 * bounded worker threads as the service runs it, and the built `sdx verify`. Seeds are documents
 * the app issued, so the unmutated ones verify valid against the ledger. The inputs differ from the
 * library fuzz run's (another run seed). Needs the build (npm test builds first).
 */
const RUN_SEED = 0xb0d1e5;
// The worker's own limit is 10 s; a request must not take much longer whatever it carries.
const PER_REQUEST_MS = 15_000;
let t: TestApp;
let seeds: FuzzSeed[];
const work = mkdtempSync(join(tmpdir(), 'sdx-verify-fuzz-'));

beforeAll(async () => {
  t = await startTestApp({ verifyWorkers: 2 });
  const c = new Client(t);
  const order = await c.deliveryOrder();
  const eir = await c.issued(P.terminal, 'eir');
  await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  await c.acted(P.haulierA, eir.id, { type: 'countersign' });
  const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
  await c.acted(P.agentPus, guarantee.id, { type: 'accept' });
  seeds = [
    { name: 'delivery-order', bytes: new Uint8Array(await c.pdf(P.agentSha, order.id)) },
    { name: 'eir', bytes: new Uint8Array(await c.pdf(P.terminal, eir.id)) },
    { name: 'telex-release-guarantee', bytes: new Uint8Array(await c.pdf(P.shipper, guarantee.id)) },
  ];
}, 120_000);

afterAll(async () => {
  await t.close();
});

/** POST /verify; what is wrong with the answer, or undefined. */
async function postVerify(bytes: Uint8Array, input: FuzzInput | undefined, timings: Timings): Promise<{ problem?: string; verdict?: string }> {
  const started = performance.now();
  const res = await request(t.app).post('/verify').attach('file', Buffer.from(bytes), { filename: 'fuzz.pdf', contentType: 'application/pdf' });
  const ms = performance.now() - started;
  timings.add(ms);
  if (ms > PER_REQUEST_MS) return { problem: `took ${ms.toFixed(0)} ms` };
  if (res.status >= 500) return { problem: `answered ${res.status} ${JSON.stringify(res.body)}` };
  if (res.status !== 200) {
    // Only a file that no longer starts with %PDF- is turned away before verification.
    const refused = res.status === 415 && /^application\/problem\+json/.test(String(res.headers['content-type']));
    return refused ? {} : { problem: `answered ${res.status} ${res.headers['content-type']}` };
  }
  const report = res.body as VerificationReport;
  return { verdict: report.verdict, ...(verdictProblem(input, report) ? { problem: verdictProblem(input, report) } : {}) };
}

describe('POST /verify and sdx verify fed hostile PDFs', () => {
  it('when the documents the app issued are posted unchanged, then each is valid against the ledger', async () => {
    const timings = new Timings();
    const verdicts = await Promise.all(seeds.map(async (seed) => (await postVerify(seed.bytes, undefined, timings)).verdict));
    expect(verdicts).toEqual(['valid', 'valid', 'valid']);
  }, 60_000);

  it(`when ${fuzzCounts.http} mutants are posted, then every answer is a report or a 4xx, never a 5xx, and none is valid with changed signed bytes`, async () => {
    const timings = new Timings();
    const problems: string[] = [];
    const classes = new Set<string>();
    for (let index = 0; index < fuzzCounts.http; index++) {
      const input = fuzzInput(seeds, index, RUN_SEED);
      classes.add(input.mutations[0] as string);
      const { problem } = await postVerify(input.bytes, input, timings);
      if (problem) problems.push(`${input.id}: ${problem} (${input.detail})`);
    }
    process.stdout.write(`POST /verify fuzz${stress ? ' (stress)' : ''}: ${timings.summary()}\n`);
    expect(problems).toEqual([]);
    expect([...classes].sort()).toEqual([...mutationClasses].sort());
    expect(t.unexpected).toEqual([]);
  }, stress ? 900_000 : 240_000);

  it('when the published attack files and the corpus are posted, then each is reported invalid and nothing fails', async () => {
    const timings = new Timings();
    const problems: string[] = [];
    for (const file of [...attackFiles().map((f) => ({ name: f.name, bytes: f.bytes })), ...fuzzCorpus().map((e) => ({ name: e.file, bytes: e.bytes }))]) {
      const { problem, verdict } = await postVerify(file.bytes, undefined, timings);
      if (problem) problems.push(`${file.name}: ${problem}`);
      else if (verdict !== 'invalid') problems.push(`${file.name}: no report`);
    }
    expect(problems).toEqual([]);
    expect(t.unexpected).toEqual([]);
  }, 180_000);

  it(`when ${fuzzCounts.cli} mutants, an attack file and corpus inputs are checked with sdx verify, then it exits 1, 2 or 3 with a reason, never a stack trace`, () => {
    const step = Math.max(1, Math.floor(fuzzCounts.http / fuzzCounts.cli));
    const mutants = Array.from({ length: fuzzCounts.cli }, (_, k) => fuzzInput(seeds, k * step + 1, RUN_SEED));
    const files = [
      ...mutants.map((input) => ({ name: input.id, bytes: input.bytes, mayBeValid: input.mayVerifyValid && !input.signedBytesChanged })),
      ...attackFiles().filter((f) => f.name.includes('siwa')).map((f) => ({ name: f.name, bytes: f.bytes, mayBeValid: false })),
      ...fuzzCorpus().filter((e) => /lying-count|trailer/.test(e.file)).map((e) => ({ name: e.file, bytes: e.bytes, mayBeValid: false })),
    ];
    const problems: string[] = [];
    files.forEach((file, index) => {
      const path = join(work, `input-${index}.pdf`);
      writeFileSync(path, file.bytes);
      const result = runSdx(['verify', path]);
      const stderr = result.stderr.trim();
      if (result.code === null) problems.push(`${file.name}: did not finish`);
      else if (result.code === 0 && !file.mayBeValid) problems.push(`${file.name}: exit 0`);
      else if (![0, 1, 2, 3].includes(result.code)) problems.push(`${file.name}: exit ${result.code}`);
      if (/\n\s+at /.test(result.stderr) || /\n\s+at /.test(result.stdout)) problems.push(`${file.name}: stack trace`);
      if (result.code === 2 && !/^sdx verify: [^\n]+\[[\w-]+\]$/.test(stderr)) problems.push(`${file.name}: exit 2 without a one-line reason: ${stderr}`);
      if (result.code === 1 && (stderr !== '' || !/verdict: invalid\n?$/.test(result.stdout))) problems.push(`${file.name}: exit 1 without the report`);
      if (result.code === 3 && (stderr !== '' || !/^INDETERMINATE: /.test(result.stdout) || !/verdict: indeterminate\n?$/.test(result.stdout))) problems.push(`${file.name}: exit 3 without the report`);
    });
    expect(problems).toEqual([]);
  }, 180_000);
});
