import { SdxError } from '../../../domain/shared/errors';
import type { TrustMaterial } from '../../pki/certificate-validation';
import { HttpOcspSource, parseOcspResponse, singleResponseAbout, statusOf, type OcspSource, type OcspStatus } from '../../pki/ocsp';
import { x509 } from '../../pki/x509';
import { findSignerCertificate, parseCms, parseTimestampToken, signatureTimestampToken } from '../verify/cms-signature';
import type { ValidationMaterial } from './document-security-store';

/** Where a signing service gets the revocation data it embeds. */
export interface RevocationSources {
  /** Anchors and CA certificates that complete a path (a CMS may not carry the whole chain). */
  trust: Pick<TrustMaterial, 'anchors' | 'intermediates'>;
  /** The CAs' current CRLs (DER). */
  crls: () => Uint8Array[];
  /** Asked about certificates whose AIA names no OCSP responder (or all of them, when `preferDefault`). */
  ocsp?: OcspSource;
  /** True: ask `ocsp` even when a certificate's AIA names a responder (a dev or in-house responder). */
  preferDefault?: boolean;
}

/** One certificate of a path and what its issuer says about it now. */
export interface CertificateStanding {
  certificate: x509.X509Certificate;
  status: OcspStatus['status'] | 'crl-good' | 'crl-revoked' | 'anchor';
  revokedAt?: Date;
}

export interface GatheredMaterial {
  material: ValidationMaterial;
  /** The signer's path, leaf first, with each certificate's standing (the TSA's follow, if any). */
  standings: CertificateStanding[];
}

/**
 * Everything needed to validate one signature (a CMS, or a timestamp token) offline: the path of
 * its signer to a trust anchor and, for each certificate below the anchor, fresh revocation data
 * (an OCSP response where a responder answers, the issuer's CRL otherwise); the same for the TSA of
 * the signature's timestamp. Throws `revocation-unavailable` when a certificate has neither.
 */
export async function gatherValidationMaterial(contents: Uint8Array, sources: RevocationSources): Promise<GatheredMaterial> {
  const cms = parseCms(contents);
  const signer = findSignerCertificate(cms.signerInfo, cms.certificates);
  if (!signer) throw new SdxError('unsupported-pdf-structure', 'the signature carries no signer certificate, so no validation data can be gathered for it');
  const leaves: { leaf: Uint8Array; extra: Uint8Array[] }[] = [{ leaf: signer, extra: cms.certificates }];
  const tokenDer = signatureTimestampToken(cms.signerInfo);
  if (tokenDer) {
    const token = parseTimestampToken(tokenDer);
    const tsa = findSignerCertificate(token.cms.signerInfo, token.cms.certificates);
    if (tsa) leaves.push({ leaf: tsa, extra: token.cms.certificates });
  }
  const material: ValidationMaterial = { certificates: [], crls: [], ocsps: [] };
  const standings: CertificateStanding[] = [];
  const seen = new Set<string>();
  const addOnce = (list: Uint8Array[], der: Uint8Array): void => {
    const key = Buffer.from(der).toString('base64');
    if (!seen.has(key)) {
      seen.add(key);
      list.push(der);
    }
  };
  for (const { leaf, extra } of leaves) {
    const path = await pathOf(leaf, [...extra, ...sources.trust.intermediates], sources.trust.anchors);
    for (const [index, certificate] of path.entries()) {
      addOnce(material.certificates, new Uint8Array(certificate.rawData));
      const issuer = path[index + 1];
      if (!issuer) {
        standings.push({ certificate, status: 'anchor' });
        continue;
      }
      standings.push(await standingOf(certificate, issuer, sources, material, addOnce));
    }
  }
  return { material, standings };
}

async function standingOf(
  certificate: x509.X509Certificate,
  issuer: x509.X509Certificate,
  sources: RevocationSources,
  material: ValidationMaterial,
  addOnce: (list: Uint8Array[], der: Uint8Array) => void,
): Promise<CertificateStanding> {
  const der = new Uint8Array(certificate.rawData);
  const issuerDer = new Uint8Array(issuer.rawData);
  const crls = sources.crls().filter((crl) => safeCrl(crl)?.issuer === issuer.subject);
  for (const crl of crls) addOnce(material.crls, crl);
  const source = ocspSourceFor(certificate, sources);
  let ocspProblem: unknown;
  if (source) {
    try {
      const response = await source.responseFor(der, issuerDer);
      const single = singleResponseAbout(parseOcspResponse(response), der, issuerDer);
      const status = single ? statusOf(single) : { status: 'unknown' as const };
      if (status.status !== 'unknown') {
        addOnce(material.ocsps, response);
        for (const responder of parseOcspResponse(response).certificates) addOnce(material.certificates, responder);
        return { certificate, ...status };
      }
    } catch (error) {
      ocspProblem = error;
    }
  }
  // No OCSP answer: the issuer's CRL speaks for the certificate.
  const crl = crls.map(safeCrl).find((c) => c !== undefined);
  if (crl) {
    const entry = crl.findRevoked(certificate);
    return entry ? { certificate, status: 'crl-revoked', revokedAt: entry.revocationDate } : { certificate, status: 'crl-good' };
  }
  const why = ocspProblem instanceof Error ? ocspProblem.message : 'no OCSP responder answered for it';
  throw new SdxError('revocation-unavailable', `no revocation data for "${certificate.subject}": ${why}, and its issuer published no CRL the service holds`, { cause: ocspProblem });
}

function ocspSourceFor(certificate: x509.X509Certificate, sources: RevocationSources): OcspSource | undefined {
  if (sources.preferDefault && sources.ocsp) return sources.ocsp;
  const aia = certificate.getExtension(x509.AuthorityInfoAccessExtension);
  const url = aia?.ocsp.find((name) => name.type === 'url')?.value;
  return url ? new HttpOcspSource({ url }) : sources.ocsp;
}

function safeCrl(der: Uint8Array): x509.X509Crl | undefined {
  try {
    return new x509.X509Crl(der);
  } catch {
    return undefined;
  }
}

/** Leaf first, up to a self-signed certificate or an anchor; each link's signature checked. */
async function pathOf(leafDer: Uint8Array, pool: Uint8Array[], anchors: Uint8Array[]): Promise<x509.X509Certificate[]> {
  const candidates = [...anchors, ...pool].map((der) => new x509.X509Certificate(der));
  const path = [new x509.X509Certificate(leafDer)];
  for (let depth = 0; depth < 8; depth++) {
    const last = path[path.length - 1] as x509.X509Certificate;
    if (last.subject === last.issuer) return path;
    let issuer: x509.X509Certificate | undefined;
    for (const candidate of candidates) {
      if (candidate.subject !== last.issuer) continue;
      if (await last.verify({ publicKey: candidate.publicKey, signatureOnly: true }).catch(() => false)) {
        issuer = candidate;
        break;
      }
    }
    if (!issuer) throw new SdxError('revocation-unavailable', `no issuer of "${last.subject}" among the signature's and the service's CA certificates, so its path cannot be embedded`);
    path.push(issuer);
  }
  return path;
}
