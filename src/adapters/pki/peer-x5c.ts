import { X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Why a peer's `x5c` (base64 DER, leaf first) does not vouch for its pinned key, or undefined when
 * it does: each certificate issued and signed by the next, the last by one of `anchors` (or one of
 * them), those above the leaf CAs, all valid `at`, and the leaf's public key an EC P-256 one, the
 * pinned one when there is one (else the only key taken from the peer's JWKS). A chain
 * that proves nothing about the key would only lend a forged peer entry an air of trust.
 */
export function x5cProblem(x5c: readonly string[], pinned: KeyObject | undefined, anchors: readonly Uint8Array[], at: Date): string | undefined {
  const certificates: X509Certificate[] = [];
  for (const [index, base64] of x5c.entries()) {
    try {
      certificates.push(new X509Certificate(Buffer.from(base64, 'base64')));
    } catch {
      return `x5c.${index} is not a DER certificate`;
    }
  }
  for (const [index, certificate] of certificates.entries()) {
    if (at < new Date(certificate.validFrom) || at > new Date(certificate.validTo)) return `x5c.${index} is not valid now (${certificate.validFrom} to ${certificate.validTo})`;
    const issuer = certificates[index + 1];
    if (issuer && !(issuer.ca && certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey))) return `x5c.${index} is not issued by x5c.${index + 1}`;
  }
  const top = certificates.at(-1);
  const trusted = anchors.map((der) => new X509Certificate(Buffer.from(der)));
  const anchored = top !== undefined && trusted.some((anchor) => anchor.raw.equals(top.raw) || (top.checkIssued(anchor) && top.verify(anchor.publicKey)));
  if (!anchored) return 'x5c does not lead to a trust anchor of SDX_CERTS_DIR (root-ca.pem)';
  const leaf = certificates[0]?.publicKey.export({ format: 'jwk' });
  const key = pinned?.export({ format: 'jwk' });
  if (pinned && (leaf?.crv !== key?.crv || leaf?.x !== key?.x || leaf?.y !== key?.y)) return "x5c.0's public key is not the pinned jwk";
  // Without a pinned key the leaf's is the peer's signing key, so it must be one a platform signs with.
  if (leaf?.kty !== 'EC' || leaf.crv !== 'P-256') return "x5c.0's public key is not an EC P-256 key";
  return undefined;
}
