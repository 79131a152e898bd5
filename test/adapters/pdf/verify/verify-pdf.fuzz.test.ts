import { isDeepStrictEqual } from 'node:util';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { certsDevTrust } from '../../../support/certs-dev';
import { fuzzInput, mutationClasses, type FuzzSeed, type MutationClass } from '../../../support/pdf-fuzz';
import { attackFiles, foreignSeeds, fuzzCorpus, fuzzCounts, sdxDemoSeeds, stress, Timings, VERIFIED_AT, verdictProblem } from '../../../support/pdf-fuzz-run';

/**
 * Hostile PDFs straight into the verifier: mutants of real signed documents (SDX's own and other
 * tools'), the published attack files and the corpus of inputs that once broke something. None may
 * throw, hang, die of a bug inside a check, or be called valid unless it is a signed revision.
 */
const trust = certsDevTrust();
// In-process there is no worker to stop a runaway input; a slow one fails the test afterwards.
const PER_INPUT_MS = 15_000;
let seeds: FuzzSeed[];

beforeAll(async () => {
  seeds = [...(await sdxDemoSeeds()), ...foreignSeeds()];
}, 60_000);

async function verified(bytes: Uint8Array) {
  const started = performance.now();
  const report = await verifyPdf(bytes, { trust, now: VERIFIED_AT });
  return { report, ms: performance.now() - started };
}

describe('the verifier fed hostile PDFs', () => {
  it('when the seeds are verified, then SDX documents are valid and the foreign ones only lack trust', async () => {
    const verdicts = await Promise.all(seeds.map(async (seed) => [seed.name, (await verified(seed.bytes)).report.verdict]));
    expect(verdicts.filter(([name]) => documentKind(name))).toEqual([
      ['delivery-order', 'valid'],
      ['eir', 'valid'],
      ['telex-release-guarantee', 'valid'],
    ]);
  });

  it('when whitespace is appended to a signed SDX document, then it stays valid: the fuzz verdicts can be "valid" at all', async () => {
    const sdx = seeds.filter((seed) => documentKind(seed.name));
    const padded = await Promise.all(sdx.map(async (seed) => (await verified(new Uint8Array([...seed.bytes, 0x0a]))).report.verdict));
    expect(padded).toEqual(sdx.map(() => 'valid'));
  });

  it(`when ${fuzzCounts.library} mutants of signed PDFs are verified, then none throws, hangs or passes with changed signed bytes`, async () => {
    const timings = new Timings();
    const problems: string[] = [];
    const perClass = new Map<MutationClass, { inputs: number; valid: number }>(mutationClasses.map((c) => [c, { inputs: 0, valid: 0 }]));
    for (let index = 0; index < fuzzCounts.library; index++) {
      const input = fuzzInput(seeds, index);
      let outcome;
      try {
        outcome = await verified(input.bytes);
      } catch (error) {
        problems.push(`${input.id} threw ${String(error)} (${input.detail})`);
        continue;
      }
      timings.add(outcome.ms);
      const problem = verdictProblem(input, outcome.report) ?? (outcome.ms > PER_INPUT_MS ? `took ${outcome.ms.toFixed(0)} ms` : undefined);
      if (problem) problems.push(`${input.id}: ${problem} (${input.detail})`);
      const counts = perClass.get(input.mutations[0] as MutationClass);
      if (counts) {
        counts.inputs++;
        if (outcome.report.verdict === 'valid') counts.valid++;
      }
    }
    process.stdout.write(`verifyPdf fuzz${stress ? ' (stress)' : ''}: ${timings.summary()}; valid per class ${JSON.stringify(Object.fromEntries(perClass))}\n`);
    expect(problems).toEqual([]);
    for (const counts of perClass.values()) expect(counts.inputs).toBeGreaterThan(0);
  }, stress ? 900_000 : 240_000);

  it('when a mutant is verified again, on the same bytes or on a copy, then the report is the same as the first time', async () => {
    // The verifier keeps parsed objects per document and certificates per process: what one
    // verification read must not change what the next one reports, however it failed.
    const differing: string[] = [];
    for (let index = 0; index < Math.min(fuzzCounts.library, 120); index++) {
      const input = fuzzInput(seeds, index);
      const first = (await verified(input.bytes)).report;
      const again = (await verified(input.bytes)).report;
      const copy = (await verified(new Uint8Array(input.bytes))).report;
      if (!isDeepStrictEqual(again, first) || !isDeepStrictEqual(copy, first)) differing.push(`${input.id} (${input.detail})`);
    }
    expect(differing).toEqual([]);
  }, 240_000);

  it('when the published attack files are verified, then none is valid and none breaks a check', async () => {
    const problems: string[] = [];
    for (const file of attackFiles()) {
      const { report, ms } = await verified(file.bytes);
      const problem = verdictProblem(undefined, report) ?? (ms > PER_INPUT_MS ? `took ${ms.toFixed(0)} ms` : undefined);
      if (problem) problems.push(`${file.name}: ${problem}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('when each input that once broke the verifier is replayed, then it is reported invalid, quickly', async () => {
    const corpus = fuzzCorpus();
    expect(corpus.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const entry of corpus) {
      const { report, ms } = await verified(entry.bytes);
      const problem = verdictProblem(undefined, report) ?? (ms > PER_INPUT_MS ? `took ${ms.toFixed(0)} ms` : undefined);
      if (problem) problems.push(`${entry.file} (${entry.broke}): ${problem}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

function documentKind(name: unknown): boolean {
  return name === 'delivery-order' || name === 'eir' || name === 'telex-release-guarantee';
}
