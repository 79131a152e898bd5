import { x509 } from './x509';

/** The SAN URI prefix that names an SDX party in its certificate. */
export const PARTY_URI_PREFIX = 'urn:sdx:party:';
/** ETSI EN 319 412-1 organizationIdentifier: national trade register, China, then the USCC. */
export const USCC_IDENTIFIER_PREFIX = 'NTRCN-';
const ORGANIZATION_IDENTIFIER = '2.5.4.97';

export interface PartyIdentity {
  /** The SDX party the certificate names (`urn:sdx:party:<id>` SAN), or null. */
  partyId: string | null;
  /** The subject's common name. */
  name: string | null;
  /** The unified social credit code from organizationIdentifier `NTRCN-<USCC>`, or null. */
  legalId: string | null;
}

/** Who a party certificate names; nulls for what it does not say (never throws for a readable certificate). */
export function partyIdentityOf(der: Uint8Array): PartyIdentity {
  const certificate = new x509.X509Certificate(der);
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const uris = (san?.names.items ?? []).filter((item) => item.type === 'url' && item.value.startsWith(PARTY_URI_PREFIX));
  // Two party URIs would let one certificate speak for two parties: it then names none.
  const partyId = uris.length === 1 ? (uris[0]?.value.slice(PARTY_URI_PREFIX.length) ?? null) : null;
  const organisation = certificate.subjectName.getField(ORGANIZATION_IDENTIFIER).filter((v) => v.startsWith(USCC_IDENTIFIER_PREFIX));
  return {
    partyId: partyId || null,
    name: certificate.subjectName.getField('CN')[0] ?? null,
    legalId: organisation.length === 1 ? (organisation[0]?.slice(USCC_IDENTIFIER_PREFIX.length) ?? null) : null,
  };
}
