import { certificateOf, nameValues, type Certificate } from './certificate-der';

/** X.520 organizationIdentifier: the subject attribute carrying a party's legal identifier. */
export const ID_AT_ORGANIZATION_IDENTIFIER = '2.5.4.97';

/**
 * ETSI EN 319 412-1 5.1.4 semantics identifier for a national trade register number (NTR) of
 * China (CN): what a Chinese unified social credit code (USCC) is written behind.
 */
export const LEGAL_ID_PREFIX = 'NTRCN-';

/** The SAN URI that names an SDX party: `urn:sdx:party:<party id>`. */
export const PARTY_URI_PREFIX = 'urn:sdx:party:';

/** Party ids as the domain schema allows them (src/domain/shared/schema.ts). */
const PARTY_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface PartyIdentity {
  /** From the SAN URI `urn:sdx:party:<id>`; null when the certificate names no SDX party (or several). */
  partyId: string | null;
  /** The subject common name. */
  name: string | null;
  /** The USCC from the subject organizationIdentifier `NTRCN-<USCC>`, without the prefix. */
  legalId: string | null;
}

/**
 * Who a party certificate (DER) says its holder is. Only the SAN URI identifies the SDX party: the
 * subject O is free text any CA may put anything in. A certificate that cannot be read, or names
 * two different parties, identifies nobody.
 */
export function partyIdentityOf(der: Uint8Array): PartyIdentity {
  let certificate: Certificate;
  try {
    certificate = certificateOf(der);
  } catch {
    return { partyId: null, name: null, legalId: null };
  }
  return { partyId: partyIdOf(certificate), name: single(nameValues(certificate.subjectName, '2.5.4.3')), legalId: legalIdOf(certificate) };
}

function partyIdOf(certificate: Certificate): string | null {
  let uris: string[];
  try {
    uris = certificate.alternativeNameUris();
  } catch {
    return null;
  }
  const ids = new Set(uris.filter((uri) => uri.startsWith(PARTY_URI_PREFIX)).map((uri) => uri.slice(PARTY_URI_PREFIX.length)));
  const id = single([...ids]);
  return id !== null && PARTY_ID.test(id) ? id : null;
}

function legalIdOf(certificate: Certificate): string | null {
  const values = nameValues(certificate.subjectName, ID_AT_ORGANIZATION_IDENTIFIER)
    .filter((value) => value.startsWith(LEGAL_ID_PREFIX))
    .map((value) => value.slice(LEGAL_ID_PREFIX.length));
  const id = single([...new Set(values)]);
  return id !== null && id !== '' ? id : null;
}

/** The one value, or null for none or more than one. */
function single(values: readonly string[]): string | null {
  return values.length === 1 ? (values[0] ?? null) : null;
}
