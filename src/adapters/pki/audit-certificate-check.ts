import { X509Certificate, createHash } from 'node:crypto';
import type { CertificateCheck, CertificatePurpose } from '../../application/audit/audit-trail';
import type { Finding } from '../../domain/verification/finding';
import { certificateFindingsAt, examineCertificate, revocationOf, type CertificateExamination, type TrustMaterial } from './certificate-validation';

export interface AuditCertificateCheckOptions {
  /**
   * The certificates allowed to sign tree heads (DER). Without this any trusted signing certificate
   * could sign a head, a party's included; an auditor pins the log's own.
   */
  logCertificates?: readonly Uint8Array[];
  /**
   * Leave revocation out. The service's own start-up audit does: it checks that the trail is intact,
   * and it signed with a key until it learned of the key's revocation (CRLs are read at start), so
   * events signed in between would otherwise stop the whole service at its next start. Verify
   * reports and `sdx audit verify` still show such events as signed after the revocation.
   */
  ignoreRevocation?: boolean;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * `validateCertificate` as the audit's certificate check. An audit checks the same few certificates
 * for up to millions of events at different times, so path, CRLs and key usage are examined once
 * per certificate and chain; per event only dates are compared. An event's time is the time the
 * service recorded in it and the append-only log keeps, so it counts as proven: a certificate
 * revoked later still holds for the events signed before its revocation, not for those after.
 */
export function auditCertificateCheck(trust: TrustMaterial, options: AuditCertificateCheckOptions = {}): CertificateCheck {
  const cache = new Map<string, Examined>();
  const logCertificates = options.logCertificates?.map((der) => Buffer.from(der));
  return async (certificate, chain, at, purpose) => {
    if (purpose === 'log' && logCertificates && !logCertificates.some((der) => der.equals(certificate))) {
      return `${subjectOf(certificate)} is not the log certificate this audit expects; name the log's certificate with --log-cert`;
    }
    const key = `${purpose}:${sha256Hex(certificate)}:${chain.map(sha256Hex).join(',')}`;
    let examined = cache.get(key);
    if (!examined) {
      examined = examine(certificate, chain, purpose, trust);
      cache.set(key, examined);
    }
    if (examined.reason) return examined.reason;
    const time = at.getTime();
    const revokedAt = options.ignoreRevocation ? Infinity : examined.revokedAt;
    if (time >= examined.notBefore && time <= examined.notAfter && time < revokedAt) return undefined;
    const failed = certificateFindingsAt(examined.examination, at, true).find(
      (f) => f.required && f.status !== 'valid' && !(options.ignoreRevocation && f.code === 'certificate-revoked'),
    );
    return failed ? `${failed.message} [${failed.code}]` : undefined;
  };
}

interface Examined {
  examination: CertificateExamination;
  /** Why the chain, CRLs or key usage fail whatever the time; undefined when they hold. */
  reason: string | undefined;
  /** When every certificate on the path is valid, and from when one on it is revoked (ms). */
  notBefore: number;
  notAfter: number;
  revokedAt: number;
}

function examine(certificate: Uint8Array, chain: Uint8Array[], purpose: CertificatePurpose, trust: TrustMaterial): Examined {
  const examination = examineCertificate({
    certificate,
    extraCertificates: chain,
    trust,
    checkPrefix: purpose === 'log' ? 'log-certificate' : 'event-signer',
    usage: 'document-signing',
  });
  const crls = revocationOf(examination);
  const timeless = [examination.chain, examination.keyUsage, ...(crls ? [] : [examination.revocation as Finding])];
  const failed = timeless.find((f) => f.required && f.status !== 'valid');
  const badCrl = crls?.badSignature[0];
  return {
    examination,
    reason: failed ? `${failed.message} [${failed.code}]` : badCrl ? `${badCrl} is not signed by that issuer's key [crl-signature-invalid]` : undefined,
    notBefore: Math.max(...examination.path.map((c) => c.notBefore.getTime())),
    notAfter: Math.min(...examination.path.map((c) => c.notAfter.getTime())),
    revokedAt: crls?.revoked?.revokedAt.getTime() ?? Infinity,
  };
}

function subjectOf(der: Uint8Array): string {
  try {
    return `"${new X509Certificate(der).subject.replace(/\n/g, ', ')}"`;
  } catch {
    return 'an unreadable certificate';
  }
}
