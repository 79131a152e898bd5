import { X509Certificate, createHash } from 'node:crypto';
import type { CertificateCheck, CertificatePurpose } from '../../application/audit/audit-trail';
import { validateCertificate, type TrustMaterial } from './certificate-validation';

export interface AuditCertificateCheckOptions {
  /**
   * The certificates allowed to sign tree heads (DER). Without this any trusted signing certificate
   * could sign a head, a party's included; an auditor pins the log's own.
   */
  logCertificates?: readonly Uint8Array[];
}

interface Timeless {
  /** Why the chain, revocation or key usage fails; undefined when they hold. */
  reason: string | undefined;
  /** When every certificate on the path is valid. */
  notBefore: Date;
  notAfter: Date;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * `validateCertificate` as the audit's certificate check. An audit checks the same few certificates
 * for up to millions of events at different times, so path, revocation and key usage are checked
 * once per certificate and chain; only validity at each event's time is checked per event.
 */
export function auditCertificateCheck(trust: TrustMaterial, options: AuditCertificateCheckOptions = {}): CertificateCheck {
  const cache = new Map<string, Promise<Timeless>>();
  const logCertificates = options.logCertificates?.map((der) => Buffer.from(der));
  return async (certificate, chain, at, purpose) => {
    if (purpose === 'log' && logCertificates && !logCertificates.some((der) => der.equals(certificate))) {
      return `${subjectOf(certificate)} is not the log certificate this audit expects; name the log's certificate with --log-cert`;
    }
    const key = `${purpose}:${sha256Hex(certificate)}:${chain.map(sha256Hex).join(',')}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = checkTimeless(certificate, chain, at, purpose, trust);
      cache.set(key, entry);
    }
    const { reason, notBefore, notAfter } = await entry;
    if (reason) return reason;
    if (at.getTime() < notBefore.getTime() || at.getTime() > notAfter.getTime()) {
      return `the certificate path is valid from ${notBefore.toISOString()} to ${notAfter.toISOString()}, not at ${at.toISOString()}`;
    }
    return undefined;
  };
}

async function checkTimeless(
  certificate: Uint8Array,
  chain: Uint8Array[],
  at: Date,
  purpose: CertificatePurpose,
  trust: TrustMaterial,
): Promise<Timeless> {
  const findings = await validateCertificate({
    certificate,
    extraCertificates: chain,
    trust,
    at,
    checkPrefix: purpose === 'log' ? 'log-certificate' : 'event-signer',
    usage: 'document-signing',
  });
  const failed = findings.find((f) => f.required && f.status !== 'valid' && !f.check.endsWith('.validity'));
  const window = validityWindow(certificate, [...chain, ...trust.intermediates, ...trust.anchors]);
  return { reason: failed ? `${failed.message} [${failed.code}]` : undefined, ...window };
}

/** The intersection of the validity periods on the issuer path by name (signatures were checked by the chain check). */
function validityWindow(leafDer: Uint8Array, pool: readonly Uint8Array[]): { notBefore: Date; notAfter: Date } {
  let notBefore = -Infinity;
  let notAfter = Infinity;
  let current: X509Certificate;
  try {
    current = new X509Certificate(leafDer);
  } catch {
    return { notBefore: new Date(0), notAfter: new Date(0) };
  }
  const candidates = pool.flatMap((der) => {
    try {
      return [new X509Certificate(der)];
    } catch {
      return [];
    }
  });
  for (let depth = 0; depth < 8; depth += 1) {
    notBefore = Math.max(notBefore, new Date(current.validFrom).getTime());
    notAfter = Math.min(notAfter, new Date(current.validTo).getTime());
    if (current.issuer === current.subject) break;
    const issuer = candidates.find((c) => c.subject === current.issuer);
    if (!issuer) break;
    current = issuer;
  }
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

function subjectOf(der: Uint8Array): string {
  try {
    return `"${new X509Certificate(der).subject.replace(/\n/g, ', ')}"`;
  } catch {
    return 'an unreadable certificate';
  }
}
