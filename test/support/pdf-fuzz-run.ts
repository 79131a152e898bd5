// What the verifier fuzz tests share: how many inputs each path sees, the seeds, the published
// attack files, the corpus of inputs that once broke something, and what counts as broken.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeDemoDocuments } from '../../src/application/demo-documents';
import { parseDemoParties } from '../../src/application/demo-parties';
import { documentKinds, type DocumentKind } from '../../src/domain/document/document';
import type { VerificationReport } from '../../src/domain/verification/finding';
import { openPdfToolkit } from '../../src/main';
import { certsDev, certsDevPath } from './certs-dev';
import { repoRoot } from './examples';
import type { FuzzInput, FuzzSeed } from './pdf-fuzz';

import { stress } from './stress';
import { settingsOrThrow } from '../../src/settings';

export { stress };

// Every run covers each mutation class on each seed at least once; `npm run test:stress` goes wide.
export const fuzzCounts = stress ? { library: 2000, http: 400, cli: 20 } : { library: 160, http: 40, cli: 3 };

/** When the demo documents are signed (within certs-dev's validity), and when they are verified. */
export const SIGNED_AT = new Date('2026-11-28T02:00:00Z');
export const VERIFIED_AT = new Date('2026-11-28T03:00:00Z');

/** The seed of that name among `seeds`. */
export function seedNamed(seeds: readonly FuzzSeed[], name: string): Uint8Array {
  const found = seeds.find((s) => s.name === name);
  if (!found) throw new Error(`no seed ${name}`);
  return found.bytes;
}

/** An 18 MB cross-reference table of 900,000 entries: legal, under every parser limit, slow to read and heavy on the heap. */
export function hugeXrefTable(): Uint8Array {
  const entries = '0000000009 00000 n \n'.repeat(900_000);
  return new Uint8Array(Buffer.from(`%PDF-1.7\nxref\n0 900000\n${entries}trailer << /Root 1 0 R /Size 900000 >>\nstartxref\n9\n%%EOF\n`, 'latin1'));
}

/** One document of each kind, rendered and signed in-process as `sdx demo` does (1, 2 and 2 signatures). */
export async function sdxDemoSeeds(): Promise<FuzzSeed[]> {
  const templatesDir = join(repoRoot, 'templates');
  const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
  const examples = Object.fromEntries(documentKinds.map((kind) => [kind, readJson(join(templatesDir, 'examples', `${kind}.json`))])) as Record<DocumentKind, unknown>;
  const demo = parseDemoParties(readJson(certsDevPath('demo-parties.json')));
  const toolkit = await openPdfToolkit({ templatesDir, certsDir: certsDev }, settingsOrThrow(), () => SIGNED_AT);
  const documents = await makeDemoDocuments(
    {
      examples,
      eirGateRecord: readJson(join(templatesDir, 'examples', 'eir-gate-record.json')),
      parties: demo.parties.map((p) => p.party),
      at: SIGNED_AT,
      verifyUrl: (id) => `http://sdx.test/verify/${id}`,
    },
    toolkit.pdfs,
  );
  return documents.map(({ kind, pdf }) => ({ name: kind, bytes: pdf }));
}

const attacksDir = join(repoRoot, 'test', 'fixtures', 'pdf-attacks');

/** Every file of test/fixtures/pdf-attacks (a copy of shared/reference/pdf-attacks). */
export function attackFiles(): FuzzSeed[] {
  return readdirSync(attacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(attacksDir, dir.name))
        .filter((file) => file.endsWith('.pdf'))
        .map((file) => ({ name: `${dir.name}/${file}`, bytes: new Uint8Array(readFileSync(join(attacksDir, dir.name, file))) })),
    );
}

/**
 * Signed originals written by other tools, for what SDX's writer never produces: cross-reference
 * and object streams (ex2_02), Acrobat's incremental saves (ex1_02), a shadow-attack layout.
 */
export function foreignSeeds(): FuzzSeed[] {
  const wanted = [
    'certification/ex2_02_NDA_cert_p2_sign_original.pdf',
    'certification/ex1_02_Test_cert_p2_sign_original.pdf',
    'shadow/replace__variant-1_replace-via-overlay__3_original-document-shadowed-signed.pdf',
  ];
  return attackFiles().filter((file) => wanted.includes(file.name));
}

export interface CorpusEntry {
  file: string;
  /** What this input once broke, and how it was fixed. */
  broke: string;
  bytes: Uint8Array;
}

const corpusDir = join(repoRoot, 'test', 'fixtures', 'fuzz-corpus');

/** test/fixtures/fuzz-corpus: every input that once crashed, hung or passed as valid, listed in corpus.json. */
export function fuzzCorpus(): CorpusEntry[] {
  const listed = JSON.parse(readFileSync(join(corpusDir, 'corpus.json'), 'utf8')) as { file: string; broke: string }[];
  return listed.map((entry) => ({ ...entry, bytes: new Uint8Array(readFileSync(join(corpusDir, entry.file))) }));
}

/** Messages of JavaScript failures, not of bad input: a check that dies of these is a bug in the verifier. */
const BUG_SYMPTOMS = /Maximum call stack|Cannot read propert|is not a function|is not iterable|Invalid array length|Cannot create a Buffer|out of memory/i;

/**
 * What is wrong with the verifier's report on a hostile input, or undefined: a check that died of a
 * bug, a verification stopped by its time or memory bound, or a valid verdict the input cannot
 * deserve (`input` undefined: any valid verdict is wrong, as for attack and corpus files).
 */
export function verdictProblem(input: Pick<FuzzInput, 'signedBytesChanged' | 'mayVerifyValid'> | undefined, verification: VerificationReport): string | undefined {
  const broken = verification.findings.find(
    (f) => (f.status === 'error' && BUG_SYMPTOMS.test(f.message)) || f.code === 'verification-failed' || f.code === 'verification-timed-out' || f.code === 'verification-out-of-memory',
  );
  if (broken) return `${broken.check} ${broken.code}: ${broken.message}`;
  if (verification.verdict !== 'valid') return undefined;
  if (!input) return 'valid verdict for a manipulated file';
  if (input.signedBytesChanged) return 'valid verdict although signed bytes changed';
  if (!input.mayVerifyValid) return 'valid verdict although bytes outside the signatures changed';
  return undefined;
}

/** Milliseconds per input, summarised as "n, p50, p99, max". */
export class Timings {
  private readonly all: number[] = [];

  add(ms: number): void {
    this.all.push(ms);
  }

  get max(): number {
    return Math.max(0, ...this.all);
  }

  summary(): string {
    const sorted = [...this.all].sort((a, b) => a - b);
    const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(0);
    return `${sorted.length} inputs, ms per input p50 ${at(0.5)}, p99 ${at(0.99)}, max ${this.max.toFixed(0)}`;
  }
}
