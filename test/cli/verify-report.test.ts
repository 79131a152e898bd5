// The validation report auditors file: sdx verify --report etsi (JSON) and etsi-xml, shaped on ETSI
// TS 119 102-2, the same bytes for the same file and --at; signed by the service's log key with
// --sign, and checked by sdx verify-report. Runs on sdx demo's B-LTA files.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtsiValidationReport } from '../../src/application/etsi-report';
import { runSdx } from '../support/built-cli';
import { certsDevPath } from '../support/certs-dev';
import { itWith } from '../support/external-tools';
import { dssOf } from '../support/ltv-sources';
import { flipPageContentByte } from '../support/pdf-mutations';
import { run } from '../support/pdf-signature-tools';

jest.setTimeout(60_000);

const work = mkdtempSync(join(tmpdir(), 'sdx-report-'));
const pdfFile = join(work, 'demo', 'delivery-order.pdf');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(() => {
  const demo = runSdx(['demo', '--out', join(work, 'demo')]);
  expect(demo.code).toBe(0);
});

function report(file: string, ...args: string[]): { code: number | null; stdout: string; report: EtsiValidationReport } {
  const result = runSdx(['verify', file, '--report', 'etsi', ...args]);
  return { code: result.code, stdout: result.stdout, report: JSON.parse(result.stdout) as EtsiValidationReport };
}

describe('sdx verify --report etsi', () => {
  it('when a B-LTA document is reported twice as at the same time, then the bytes are the same, the signature TOTAL-PASSED with its proven time, the objects those the file carries', () => {
    const first = report(pdfFile, '--at', '2030-01-01');
    expect(first.code).toBe(0);
    expect(runSdx(['verify', pdfFile, '--report', 'etsi', '--at', '2030-01-01']).stdout).toBe(first.stdout);
    const r = first.report;
    expect(r.validationTime).toBe('2030-01-01T00:00:00.000Z');
    expect(r.document.sha256).toBe(sha256(readFileSync(pdfFile)));
    expect(r.signatures.map((s) => [s.type, s.indication, s.subIndication])).toEqual([
      ['signature', 'TOTAL-PASSED', null],
      ['document-timestamp', 'TOTAL-PASSED', null],
    ]);
    expect(r.signatures[0]?.bestSignatureTime).not.toBeNull();
    expect(r.signatures[0]?.explanation.zh).toBe('此签名的各项检查均通过');
    // The signature's objects include the DSS's OCSP responses and CRLs, by their exact bytes.
    const dss = dssOf(readFileSync(pdfFile));
    const used = new Set(r.signatures[0]?.validationObjects);
    const objects = r.validationObjects.filter((o) => used.has(o.id));
    expect(new Set(objects.map((o) => o.type))).toEqual(new Set(['certificate', 'timestamp', 'OCSPResponse', 'CRL']));
    for (const o of objects.filter((x) => x.type === 'OCSPResponse')) expect(dss.ocsps.map(sha256)).toContain(o.sha256);
    for (const o of objects.filter((x) => x.type === 'CRL')) expect(dss.crls.map(sha256)).toContain(o.sha256);
  });

  it('when reported after the unrenewed archive timestamp’s TSA certificate expired, then that timestamp is INDETERMINATE / OUT_OF_BOUNDS_NO_POE, exit 3', () => {
    const { code, report: r } = report(pdfFile, '--at', '2036-06-01');
    expect(code).toBe(3);
    expect(r.signatures[1]).toMatchObject({ type: 'document-timestamp', indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
  });

  it('when the signed page content was changed, then the signature is TOTAL-FAILED / HASH_FAILURE, exit 1', () => {
    const forged = join(work, 'forged.pdf');
    writeFileSync(forged, flipPageContentByte(readFileSync(pdfFile)));
    const { code, report: r } = report(forged);
    expect(code).toBe(1);
    expect(r.signatures[0]).toMatchObject({ indication: 'TOTAL-FAILED', subIndication: 'HASH_FAILURE' });
  });

  itWith('python3')('when asked for etsi-xml, then the XML is well formed and says the same', () => {
    const result = runSdx(['verify', pdfFile, '--report', 'etsi-xml', '--at', '2030-01-01']);
    expect(result.code).toBe(0);
    const file = join(work, 'report.xml');
    writeFileSync(file, result.stdout);
    const parsed = run('python3', ['-c', 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); print(",".join(e.firstChild.data for e in d.getElementsByTagName("MainIndication")))', file]);
    expect(parsed.output.trim()).toBe('TOTAL-PASSED,TOTAL-PASSED');
  });

  it('when --report names no known kind or several files, then exit 2 with a reason', () => {
    expect(runSdx(['verify', pdfFile, '--report', 'pdf']).code).toBe(2);
    expect(runSdx(['verify', pdfFile, pdfFile, '--report', 'etsi']).code).toBe(2);
  });
});

describe('signed report and sdx verify-report', () => {
  let jws: string;
  beforeAll(() => {
    const signed = runSdx(['verify', pdfFile, '--report', 'etsi', '--sign', '--at', '2030-01-01']);
    expect(signed.code).toBe(0);
    jws = signed.stdout.trim();
  });

  it('when the service signed the report, then verify-report says GENUINE and repeats each indication', () => {
    const file = join(work, 'report.jws');
    writeFileSync(file, jws);
    const result = runSdx(['verify-report', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`GENUINE REPORT: signed by the service; file SHA-256 ${sha256(readFileSync(pdfFile))}, validated as at 2030-01-01T00:00:00.000Z, verdict valid`);
    expect(result.stdout).toContain('signature[0] (signature): TOTAL-PASSED');
  });

  it('when one character of the signed report is changed, then it is NOT GENUINE, exit 1', () => {
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const body = Buffer.from(payload, 'base64url').toString('utf8').replace('TOTAL-FAILED', 'TOTAL-PASSED').replace('"verdict":"valid"', '"verdict":"invalid"');
    const file = join(work, 'changed.jws');
    writeFileSync(file, `${header}.${Buffer.from(body).toString('base64url')}.${signature}`);
    const result = runSdx(['verify-report', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT GENUINE/);
  });

  it('when the signer is not the service’s log certificate, then it is NOT GENUINE, exit 1', () => {
    const file = join(work, 'report2.jws');
    writeFileSync(file, jws);
    const result = runSdx(['verify-report', file, '--log-cert', certsDevPath('tsa.pem')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("not signed by the service's log certificate");
  });
});
