// What a verifier trusts, as DER, kept apart from the X.509 validator so that a process that only
// reads trust anchors for a verifier (sdx verify, its workers) does not load the X.509 library itself.
import { decodePem } from './pem';

/** What a verifier trusts. All DER. */
export interface TrustMaterial {
  /** Root certificates; a path must end at one of these exact certificates. */
  anchors: Uint8Array[];
  /** Untrusted CA certificates that may complete a path. */
  intermediates: Uint8Array[];
  crls: Uint8Array[];
}

export function loadTrustMaterialFromPem(pems: { anchors: string[]; intermediates?: string[]; crls?: string[] }): TrustMaterial {
  const certificates = (texts: string[]) => texts.flatMap((text) => decodePem(text, 'CERTIFICATE'));
  return {
    anchors: certificates(pems.anchors),
    intermediates: certificates(pems.intermediates ?? []),
    // RFC 7468 names the label `X509 CRL`; some tools write `CRL`.
    crls: (pems.crls ?? []).flatMap((text) => [...decodePem(text, 'X509 CRL'), ...decodePem(text, 'CRL')]),
  };
}
