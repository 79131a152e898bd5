import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openEtsiReport } from '../application/etsi-report';
import { validateCertificate } from '../adapters/pki/certificate-validation';
import { decodePem } from '../adapters/pki/pem';
import { equalBytes } from '../domain/shared/bytes';
import { trustFromCertsDir } from '../composition/resources';
import type { Settings } from '../settings';
import type { CliIo } from './cli-io';

export const VERIFY_REPORT_USAGE = `usage: sdx verify-report REPORT.jws [--log-cert PEM]
  Checks a validation report signed by sdx verify --report etsi --sign (or POST /verify?report=etsi&sign=1):
  the JWS signature, that the signer is the service's log certificate (--log-cert, default SDX_LOG_CERT_FILE
  or the certs directory's log-signing.pem) and that it chains to the trust anchors. Prints what the
  report says: the file's SHA-256, the validation time and each signature's indication.
  exit 0 genuine report, 1 not genuine, 2 unusable input`;

/** `sdx verify-report REPORT.jws`: is this report one the service signed, and what does it say? */
export async function verifyReportCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  let parsed: { values: { 'log-cert'?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: { 'log-cert': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`sdx verify-report: ${(error as Error).message}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(VERIFY_REPORT_USAGE);
    return 0;
  }
  const [file, ...rest] = parsed.positionals;
  if (!file || rest.length > 0) {
    io.err(VERIFY_REPORT_USAGE);
    return 2;
  }
  const { certsDir } = settings.paths;
  const logCertFile = parsed.values['log-cert'] ?? settings.logCertFile;
  let text: string;
  let logCertificate: Uint8Array | undefined;
  try {
    text = await readFile(file, 'utf8');
    [logCertificate] = decodePem(await readFile(logCertFile, 'utf8'), 'CERTIFICATE');
  } catch (error) {
    io.err(`sdx verify-report: cannot read ${(error as NodeJS.ErrnoException).path ?? file}`);
    return 2;
  }
  if (!logCertificate) {
    io.err(`sdx verify-report: ${logCertFile} holds no certificate`);
    return 2;
  }
  let opened: ReturnType<typeof openEtsiReport>;
  try {
    opened = openEtsiReport(text);
  } catch (error) {
    io.out(`NOT GENUINE: ${(error as Error).message}`);
    return 1;
  }
  // Any party can sign a JWS; only the service's own log key makes it the service's report.
  if (!equalBytes(opened.certificate, logCertificate)) {
    io.out(`NOT GENUINE: the report is not signed by the service's log certificate (${logCertFile})`);
    return 1;
  }
  const findings = validateCertificate({
    certificate: opened.certificate,
    extraCertificates: opened.chain,
    trust: trustFromCertsDir(certsDir),
    at: new Date(),
    atIsProven: true,
    checkPrefix: 'report-signer',
    usage: 'document-signing',
  });
  const failed = findings.find((f) => f.required && f.status !== 'valid');
  if (failed) {
    io.out(`NOT GENUINE: the log certificate does not hold: ${failed.message} [${failed.code}]`);
    return 1;
  }
  const { report } = opened;
  io.out(`GENUINE REPORT: signed by the service; file SHA-256 ${report.document.sha256}, validated as at ${report.validationTime}, verdict ${report.verdict}`);
  for (const s of report.signatures) io.out(`${s.id} (${s.type}): ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}, ${s.signer.name ?? s.signer.subject ?? 'signer not identified'}`);
  return 0;
}
