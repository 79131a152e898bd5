import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BoundedPdfVerifier, unusableInputFinding } from '../adapters/pdf/verify/bounded-verifier';
import { VERIFY_LIMITS } from '../adapters/pdf/verify/verify-limits';
import type { Finding } from '../domain/verification/finding';
import type { PdfVerificationReport, SignatureSummary, SignerRole } from '../domain/verification/pdf-report';
import { decidingRevision, findingText } from '../application/verify-messages';
import { resourcePaths, trustFromCertsDir } from '../main';
import type { CliIo } from './cli-io';
import { formatBeijingTime } from '../domain/shared/beijing-time';

const marks = { valid: 'ok  ', invalid: 'FAIL', indeterminate: 'LOOK', error: 'ERR ', skipped: 'skip' } as const;

export const VERIFY_USAGE = `usage: sdx verify FILE.pdf [--trust PEM ...] [--at DATE] [--json]
  Prints one verdict line first (GENUINE / VALID, NOT ISSUED HERE / VALID (ledger not consulted) /
  INDETERMINATE / FORGED OR CHANGED / CANNOT BE VERIFIED), then one line per signature (signer, role,
  trusted time in Beijing time), then every finding, then "verdict: ...". --json prints the report.
  --trust PEM   trust this root instead of certs-dev's (repeatable)
  --at DATE     validate as at DATE (ISO 8601, e.g. 2036-01-01): a B-LTA document keeps its proof
                through its DSS and document timestamps; a B-T one whose TSA has expired by then is indeterminate
  exit 0 valid, 1 invalid (forged or changed), 2 unusable input, 3 indeterminate (a person must look)`;

/** Exit code of each verdict; unusable input (2) is decided before the verdict is looked at. */
export const VERIFY_EXIT = { valid: 0, invalid: 1, unusable: 2, indeterminate: 3 } as const;

/**
 * `sdx verify FILE.pdf [--trust PEM ...] [--json]`: 0 valid, 1 invalid, 2 unusable input (not a
 * PDF, unreadable, or beyond the verifier's limits, which include a time and memory limit),
 * 3 indeterminate.
 */
export async function verifyCommand(args: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: { values: { trust?: string[]; json?: boolean; help?: boolean; at?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { trust: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, at: { type: 'string' } },
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
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    io.err(VERIFY_USAGE);
    return 2;
  }
  const at = parsed.values.at === undefined ? new Date() : new Date(parsed.values.at);
  if (Number.isNaN(at.getTime()) || (parsed.values.at !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(parsed.values.at))) {
    io.err(`sdx verify: --at must be an ISO 8601 date or time such as 2036-01-01, not "${parsed.values.at ?? ''}"`);
    return 2;
  }
  let bytes: Uint8Array;
  let anchors: string[];
  try {
    const { size } = await stat(file);
    if (size > VERIFY_LIMITS.maxPdfBytes) {
      io.err(`sdx verify: ${file} has ${size} bytes; the verifier reads at most ${VERIFY_LIMITS.maxPdfBytes} [pdf-too-large]`);
      return 2;
    }
    bytes = await readFile(file);
    anchors = await Promise.all((parsed.values.trust ?? []).map((pem) => readFile(pem, 'utf8')));
  } catch (error) {
    io.err(`sdx verify: cannot read ${(error as NodeJS.ErrnoException).path ?? file}`);
    return 2;
  }
  const verifier = new BoundedPdfVerifier({ trust: trustFromCertsDir(resourcePaths(env).certsDir, anchors) });
  const report = await verifier.verify(bytes, { now: at }).finally(() => verifier.close());
  const unusable = unusableInputFinding(report);
  if (parsed.values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    io.out(verdictLine(report, unusable));
    for (const signature of report.signatures) io.out(signatureLine(signature));
    for (const f of report.findings) io.out(`${marks[f.status]} ${f.check}: ${f.message} [${f.code}]${f.revision !== undefined ? ` (revision ${f.revision})` : ''}`);
    io.out(`verdict: ${report.verdict}`);
  }
  if (unusable) {
    io.err(`sdx verify: ${file} cannot be verified: ${unusable.message} [${unusable.code}]`);
    return VERIFY_EXIT.unusable;
  }
  return VERIFY_EXIT[report.verdict];
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
