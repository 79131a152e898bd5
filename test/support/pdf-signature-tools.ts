// Independent looks at signed PDFs: byte ranges read with a regex (not with the signer's code), and
// the outside validators pdfsig (poppler + NSS), openssl cms / ts and qpdf.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';

export interface EmbeddedSignature {
  byteRange: [number, number, number, number];
  /** The DER CMS without the zero padding. */
  cms: Buffer;
  /** The bytes the signature covers, ranges concatenated. */
  signedBytes: Buffer;
}

export function embeddedSignatures(pdf: Uint8Array): EmbeddedSignature[] {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const found: EmbeddedSignature[] = [];
  for (const match of text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)) {
    const byteRange = [1, 2, 3, 4].map((group) => Number(match[group])) as [number, number, number, number];
    const [start, a, b, c] = byteRange;
    const hex = text.slice(a + 1, b - 1);
    found.push({
      byteRange,
      cms: derPrefix(Buffer.from(hex, 'hex')),
      signedBytes: Buffer.concat([bytes.subarray(start, a), bytes.subarray(b, b + c)]),
    });
  }
  return found;
}

/** The first complete DER element: strips the zero padding after the CMS. */
function derPrefix(bytes: Buffer): Buffer {
  const first = bytes[1] ?? 0;
  if (first < 0x80) return bytes.subarray(0, 2 + first);
  const count = first & 0x7f;
  const length = bytes.subarray(2, 2 + count).reduce((sum, byte) => sum * 256 + byte, 0);
  return bytes.subarray(0, 2 + count + length);
}

export function run(command: string, args: string[]): { status: number; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'sdx-pades-'));
}

/** An NSS database trusting only `rootPem`, for `pdfsig -nssdir`. */
export function nssDatabase(rootPem: string): string {
  const dir = scratchDir();
  const created = run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  if (created.status !== 0) throw new Error(`certutil -N failed: ${created.output}`);
  const added = run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'root', '-t', 'C,C,C', '-i', rootPem]);
  if (added.status !== 0) throw new Error(`certutil -A failed: ${added.output}`);
  return dir;
}

export interface PdfsigSignature {
  valid: boolean;
  trusted: boolean;
  totalDocumentSigned: boolean;
  ranges: string;
  text: string;
}

export function pdfsig(nssDir: string, pdf: Uint8Array): PdfsigSignature[] {
  const file = join(scratchDir(), 'signed.pdf');
  writeFileSync(file, pdf);
  const { output } = run('pdfsig', ['-nssdir', `sql:${nssDir}`, file]);
  return output
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((text) => ({
      valid: text.includes('Signature is Valid.'),
      trusted: text.includes('Certificate is Trusted.'),
      totalDocumentSigned: /Total document signed/.test(text) && !/Not total document signed/.test(text),
      ranges: /Signed Ranges: (.*)/.exec(text)?.[1] ?? '',
      text,
    }));
}

export function opensslCmsVerify(signature: EmbeddedSignature, pkiDir: string): { ok: boolean; output: string } {
  const dir = scratchDir();
  writeFileSync(join(dir, 'sig.der'), signature.cms);
  writeFileSync(join(dir, 'signed-bytes.bin'), signature.signedBytes);
  const result = run('openssl', [
    'cms', '-verify', '-binary', '-inform', 'DER',
    '-in', join(dir, 'sig.der'),
    '-content', join(dir, 'signed-bytes.bin'),
    '-CAfile', join(pkiDir, 'root.pem'),
    // OpenSSL 3.0's cms has no -untrusted; -certfile adds the issuing CA as an untrusted intermediate.
    '-certfile', join(pkiDir, 'issuing.pem'),
    '-out', '/dev/null',
  ]);
  return { ok: result.status === 0 && result.output.includes('Verification successful'), output: result.output };
}

/** The signature-time-stamp token of the first SignerInfo and the signature value it covers. */
export function signatureTimestamp(cms: Buffer): { token: Buffer; signatureValue: Buffer } | undefined {
  const signedData = AsnConvert.parse(AsnConvert.parse(cms, ContentInfo).content, SignedData);
  const signerInfo = signedData.signerInfos[0];
  const attribute = signerInfo?.unsignedAttrs?.find((a) => a.attrType === '1.2.840.113549.1.9.16.2.14');
  const token = attribute?.attrValues[0];
  if (!signerInfo || !token) return undefined;
  return { token: Buffer.from(token), signatureValue: Buffer.from(signerInfo.signature.buffer) };
}

export function opensslTsVerify(token: Buffer, signatureValue: Buffer, pkiDir: string): { ok: boolean; output: string } {
  const dir = scratchDir();
  writeFileSync(join(dir, 'token.der'), token);
  const result = run('openssl', [
    'ts', '-verify', '-token_in', '-in', join(dir, 'token.der'),
    '-digest', createHash('sha256').update(signatureValue).digest('hex'),
    '-CAfile', join(pkiDir, 'root.pem'),
    '-untrusted', join(pkiDir, 'tsa.pem'),
  ]);
  return { ok: result.status === 0 && result.output.includes('Verification: OK'), output: result.output };
}

export function qpdfCheck(pdf: Uint8Array): { ok: boolean; output: string } {
  const file = join(scratchDir(), 'check.pdf');
  writeFileSync(file, pdf);
  const result = run('qpdf', ['--check', file]);
  return { ok: result.status === 0 && result.output.includes('No syntax or stream encoding errors found'), output: result.output };
}
