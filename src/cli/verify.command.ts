import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { unusableInputFinding } from '../adapters/pdf/verify/stopped-verification';
import { verifyInThisThread } from '../adapters/pdf/verify/in-thread-verifier';
import { VERIFY_LIMITS } from '../adapters/pdf/verify/verify-limits';
import type { Finding } from '../domain/verification/finding';
import type { PdfVerificationReport, SignatureSummary, SignerRole } from '../domain/verification/pdf-report';
import type { TrustMaterial } from '../adapters/pki/trust-material';
import { decidingRevision, findingText } from '../application/verify-messages';
import { trustFromCertsDir } from '../composition/resources';
import type { Settings } from '../settings';
import type { CliIo } from './cli-io';
import { formatBeijingTime } from '../domain/shared/beijing-time';
import { parseValidationTime } from '../domain/verification/validation-time';

const marks = { valid: 'ok  ', invalid: 'FAIL', indeterminate: 'LOOK', error: 'ERR ', skipped: 'skip' } as const;

export const VERIFY_USAGE = `usage: sdx verify FILE.pdf|FOLDER ... [--trust PEM ...] [--at DATE] [--json]
       sdx verify FILE.pdf --report etsi|etsi-xml [--sign] [--at DATE]
  One file: prints one verdict line first (GENUINE / VALID, NOT ISSUED HERE / VALID (ledger not
  consulted) / INDETERMINATE / FORGED OR CHANGED / CANNOT BE VERIFIED), then one line per signature
  (signer, role, trusted time in Beijing time), then every finding, then "verdict: ...".
  Several files or folders (every .pdf below them): verified in parallel on all cores, one line
  each in the order given, then a summary line.
  --json        one JSON report per line, each with its "file"
  --trust PEM   trust this root instead of certs-dev's (repeatable)
  --at DATE     validate as at DATE (ISO 8601, e.g. 2036-01-01): a B-LTA document keeps its proof
                through its DSS and document timestamps; a B-T one whose TSA has expired by then is indeterminate
  --report etsi      instead, one file's validation report shaped on ETSI TS 119 102-2 (JSON; etsi-xml: XML):
                    indication and sub-indication per signature, best proof-of-existence time, policy,
                    the validation objects used; the same file and --at give the same bytes
  --sign            sign the JSON report with the service's log key (SDX_LOG_KEY_FILE, SDX_LOG_CERT_FILE):
                    a compact JWS with x5c that sdx verify-report checks
  exit 0 valid, 1 invalid (forged or changed), 2 unusable input, 3 indeterminate (a person must look);
  for several files the worst of them: invalid, then unusable, then indeterminate, then valid`;

/** Exit code of each verdict; unusable input (2) is decided before the verdict is looked at. */
export const VERIFY_EXIT = { valid: 0, invalid: 1, unusable: 2, indeterminate: 3 } as const;
type Outcome = keyof typeof VERIFY_EXIT;

/** Which outcome of several files the exit code reports: a forgery outweighs everything else. */
const SEVERITY: readonly Outcome[] = ['valid', 'indeterminate', 'unusable', 'invalid'];

/** One file's result: a report, or why the file could not even be read. */
type FileResult = { file: string; outcome: Outcome } & (
  | { report: PdfVerificationReport; unusable?: Finding }
  | { unreadable: { code: string; message: string } }
);

/**
 * `sdx verify FILE.pdf|FOLDER ... [--trust PEM ...] [--json]`: 0 valid, 1 invalid, 2 unusable input
 * (not a PDF, unreadable, or beyond the verifier's limits, which include a time and memory limit),
 * 3 indeterminate; for several files, the worst of them.
 */
export async function verifyCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  let parsed: { values: { trust?: string[]; json?: boolean; help?: boolean; at?: string; report?: string; sign?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        trust: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        at: { type: 'string' },
        report: { type: 'string' },
        sign: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`sdx verify: ${(error as Error).message}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(VERIFY_USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    io.err(VERIFY_USAGE);
    return 2;
  }
  const at = parsed.values.at === undefined ? new Date() : parseValidationTime(parsed.values.at);
  if (!at) {
    io.err(`sdx verify: --at must be an ISO 8601 date or time such as 2036-01-01, not "${parsed.values.at ?? ''}"`);
    return 2;
  }
  let anchors: string[];
  try {
    anchors = await Promise.all((parsed.values.trust ?? []).map((pem) => readFile(pem, 'utf8')));
  } catch (error) {
    io.err(`sdx verify: cannot read ${(error as NodeJS.ErrnoException).path ?? 'the --trust file'}`);
    return 2;
  }
  let files: string[];
  let many: boolean;
  try {
    ({ files, many } = await pdfFilesOf(parsed.positionals));
  } catch (error) {
    io.err(`sdx verify: cannot read ${(error as NodeJS.ErrnoException).path ?? parsed.positionals.join(' ')}`);
    return 2;
  }
  if (files.length === 0) {
    io.err(`sdx verify: no .pdf file in ${parsed.positionals.join(' ')}`);
    return 2;
  }
  const reportKind = parsed.values.report;
  if (reportKind !== undefined || parsed.values.sign) {
    if (reportKind !== 'etsi' && reportKind !== 'etsi-xml') {
      io.err('sdx verify: --report must be etsi or etsi-xml (--sign needs --report etsi)');
      return 2;
    }
    if (many) {
      io.err('sdx verify: --report describes one file; name exactly one PDF');
      return 2;
    }
    if (parsed.values.sign && reportKind !== 'etsi') {
      io.err('sdx verify: --sign signs the JSON report; use --report etsi');
      return 2;
    }
  }
  const json = parsed.values.json === true;
  const trust = trustFromCertsDir(settings.paths.certsDir, anchors);
  const counts: Record<Outcome, number> = { valid: 0, invalid: 0, unusable: 0, indeterminate: 0 };
  const verifier = many ? workerVerifier(trust, files.length) : inThreadVerifier(trust);
  try {
    if (reportKind) return await printEtsiReport(await verifyFile(verifier.verify, files[0] as string, at), at, reportKind, parsed.values.sign === true, io, settings);
    await verifyInOrder(files, verifier.inFlight, (file) => verifyFile(verifier.verify, file, at), (result) => {
      counts[result.outcome] += 1;
      if (json) io.out(jsonLine(result));
      else if (many) io.out(fileLine(result));
      else printDetails(result, io);
    });
  } finally {
    await verifier.close();
  }
  if (many && !json) io.out(summaryLine(files.length, counts));
  const worst = SEVERITY.reduce<Outcome>((found, outcome) => (counts[outcome] > 0 ? outcome : found), 'valid');
  return VERIFY_EXIT[worst];
}

/**
 * The files named and the .pdf files below the folders named (sorted, so that output and order are
 * the same on every run); `many` unless exactly one file was named.
 */
async function pdfFilesOf(paths: readonly string[]): Promise<{ files: string[]; many: boolean }> {
  const files: string[] = [];
  let folders = 0;
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      folders += 1;
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const below = entries
        .filter((entry) => entry.isFile() && /\.pdf$/i.test(entry.name))
        .map((entry) => join(entry.parentPath, entry.name))
        .sort();
      files.push(...below);
    } else {
      files.push(path);
    }
  }
  return { files, many: folders > 0 || paths.length > 1 };
}

/** Runs `verify` over `files` with at most `inFlight` at once, handing results on in input order. */
async function verifyInOrder(
  files: readonly string[],
  inFlight: number,
  verify: (file: string) => Promise<FileResult>,
  onResult: (result: FileResult) => void,
): Promise<void> {
  const done = new Map<number, FileResult>();
  let next = 0;
  let printed = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const index = next;
      next += 1;
      done.set(index, await verify(files[index] as string));
      for (let result = done.get(printed); result; result = done.get(printed)) {
        done.delete(printed);
        printed += 1;
        onResult(result);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, files.length) }, lane));
}

type VerifyPdf = (pdf: Uint8Array, now: Date) => Promise<PdfVerificationReport>;

interface CliVerifier {
  verify: VerifyPdf;
  /** Files read and waiting at once, so that a verifier never waits for a read. */
  inFlight: number;
  close(): Promise<void>;
}

/**
 * One file: verified on this thread under the 10 s limit, as a tool should be; a worker's start
 * would cost about half a node start. Its memory is bounded by the parser's limits (README).
 */
function inThreadVerifier(trust: TrustMaterial): CliVerifier {
  return { verify: async (pdf, now) => verifyInThisThread(pdf, { trust, now }), inFlight: 1, close: async () => undefined };
}

/** Several files: on a worker per core, each verification bounded in time and heap. */
function workerVerifier(trust: TrustMaterial, files: number): CliVerifier {
  // Loaded here: one file never starts a worker, so it need not load the code that does.
  const { BoundedPdfVerifier } = require('../adapters/pdf/verify/bounded-verifier') as typeof import('../adapters/pdf/verify/bounded-verifier');
  const workers = Math.max(1, Math.min(files, availableParallelism()));
  const bounded = new BoundedPdfVerifier({ trust, workers, maxQueued: 4 * workers });
  // The workers boot while the files are read.
  bounded.prestart();
  return { verify: (pdf, now) => bounded.verify(pdf, { now }), inFlight: 2 * workers, close: () => bounded.close() };
}

async function verifyFile(verify: VerifyPdf, file: string, at: Date): Promise<FileResult> {
  let bytes: Uint8Array;
  try {
    const { size } = await stat(file);
    if (size > VERIFY_LIMITS.maxPdfBytes) {
      const message = `${file} has ${size} bytes; the verifier reads at most ${VERIFY_LIMITS.maxPdfBytes}`;
      return { file, outcome: 'unusable', unreadable: { code: 'pdf-too-large', message } };
    }
    bytes = await readFile(file);
  } catch (error) {
    return { file, outcome: 'unusable', unreadable: { code: 'unreadable', message: `cannot read ${(error as NodeJS.ErrnoException).path ?? file}` } };
  }
  const report = await verify(bytes, at);
  const unusable = unusableInputFinding(report);
  return unusable ? { file, outcome: 'unusable', report, unusable } : { file, outcome: report.verdict, report };
}

/** `--report`: the ETSI-shaped report of one file (signed when asked); the exit code is the verdict's, as without it. */
async function printEtsiReport(result: FileResult, at: Date, kind: 'etsi' | 'etsi-xml', sign: boolean, io: CliIo, settings: Settings): Promise<number> {
  if (!('report' in result)) {
    io.err(`sdx verify: ${result.unreadable.message} [${result.unreadable.code}]`);
    return VERIFY_EXIT.unusable;
  }
  const { etsiReportOf } = await import('../adapters/pdf/verify/validation-objects.js');
  const { etsiReportXml, signEtsiReport } = await import('../application/etsi-report.js');
  const report = etsiReportOf(await readFile(result.file), result.report, at);
  if (kind === 'etsi-xml') io.out(etsiReportXml(report).trimEnd());
  else if (!sign) io.out(JSON.stringify(report, null, 2));
  else {
    const { openLogSigner } = await import('../composition/log-signer.js');
    io.out(await signEtsiReport(report, openLogSigner(settings)));
  }
  return VERIFY_EXIT[result.outcome];
}

function jsonLine(result: FileResult): string {
  return JSON.stringify('report' in result ? { file: result.file, ...result.report } : { file: result.file, error: result.unreadable });
}

function fileLine(result: FileResult): string {
  const mark = result.outcome === 'unusable' ? marks.error : marks[result.outcome];
  const verdict = 'report' in result ? verdictLine(result.report, result.unusable) : `CANNOT BE VERIFIED: ${result.unreadable.message} [${result.unreadable.code}]`;
  return `${mark} ${result.file}: ${verdict}`;
}

function summaryLine(total: number, counts: Record<Outcome, number>): string {
  return `${total} files: ${counts.valid} valid, ${counts.invalid} invalid, ${counts.unusable} unusable, ${counts.indeterminate} indeterminate`;
}

/** One file's whole report: verdict line, signatures, findings, verdict. */
function printDetails(result: FileResult, io: CliIo): void {
  if (!('report' in result)) {
    io.err(`sdx verify: ${result.unreadable.message} [${result.unreadable.code}]`);
    return;
  }
  const { report, unusable } = result;
  io.out(verdictLine(report, unusable));
  for (const signature of report.signatures) io.out(signatureLine(signature));
  for (const f of report.findings) io.out(`${marks[f.status]} ${f.check}: ${f.message} [${f.code}]${f.revision !== undefined ? ` (revision ${f.revision})` : ''}`);
  io.out(`verdict: ${report.verdict}`);
  if (unusable) io.err(`sdx verify: ${result.file} cannot be verified: ${unusable.message} [${unusable.code}]`);
}

/** The line a person reads first (English; the findings' words come from the page's catalogue). */
export function verdictLine(report: PdfVerificationReport, unusable?: Finding): string {
  const { outcome, finding, signerName } = report.summary;
  if (unusable) return `CANNOT BE VERIFIED: ${findingText('en', unusable)} [${unusable.code}]`;
  if (outcome === 'genuine') return `GENUINE: signed, unchanged and recorded in this exchange's ledger${documentPart(report)}`;
  if (outcome === 'valid-not-recorded') {
    return report.ledger === 'not-checked'
      ? `VALID (ledger not consulted): ${signatureCount(report)} valid, nothing forbidden changed after signing${documentPart(report)}`
      : `VALID, NOT ISSUED HERE: ${signatureCount(report)} valid, but this exchange did not issue the document${documentPart(report)}`;
  }
  const revision = decidingRevision(report);
  const what = finding ? findingText('en', finding) : outcome === 'indeterminate' ? 'a change after signing' : 'a required check failed';
  const code = finding ? ` [${finding.code}]` : '';
  if (outcome === 'indeterminate') return `INDETERMINATE: look at ${what}${revision !== undefined ? ` (revision ${revision})` : ''}${code}`;
  return `FORGED OR CHANGED: ${what}${revision !== undefined ? ` in revision ${revision}` : ''}${signerName ? `, signed by ${signerName}` : ''}${code}`;
}

function signatureCount(report: PdfVerificationReport): string {
  return report.signatures.length === 1 ? '1 signature' : `${report.signatures.length} signatures`;
}

function documentPart(report: PdfVerificationReport): string {
  const { kind, documentId } = report.document;
  return documentId ? ` (${kind ?? 'document'} ${documentId})` : '';
}

const roleNames: Record<SignerRole, string> = { issuer: 'issuer', countersigner: 'countersigner', timestamp: 'timestamp' };

/** `signature 1: Name (party-id, USCC ...), issuer, 2025-01-02 14:05 北京时间 (UTC+8)` */
export function signatureLine(signature: SignatureSummary): string {
  const name = signature.signerName ?? signature.signerSubject ?? 'signer not identified';
  const ids = [...(signature.signerPartyId ? [signature.signerPartyId] : []), ...(signature.signerLegalId ? [`USCC ${signature.signerLegalId}`] : [])];
  const role = signature.role ? roleNames[signature.role] : 'no SDX role';
  const time = signature.trustedTime ? (formatBeijingTime(signature.trustedTime) ?? signature.trustedTime) : 'no trusted time';
  return `signature ${signature.index + 1}: ${name}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}, ${role}, ${time}`;
}
