// Reading OCSP responses (RFC 6960) from their DER, for the verifier: what a responder said and
// whether it may say it. Making requests and responses stays in ocsp.ts with the ASN.1 library.
import { equalBytes } from '../../domain/shared/bytes';
import { createHash } from 'node:crypto';
import { bitStringAt, childrenOf, contentOf, expectTag, octetsAt, oidAt, readTlv, timeAt, type Tlv } from '../pdf/verify/der-reader';
import { certificateOf, Certificate, unsignedOctets, verifiesWithKeyOf } from './certificate-der';
import { ID_KP_OCSP_SIGNING } from './pki-oids';
import type { SignatureAlgorithm } from './signature-algorithms';

/** RFC 6960 4.1.1: CertIDs are made with SHA-1 by every responder and client that interoperates. */
export const ID_SHA1 = '1.3.14.3.2.26';
const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '4', 'sigRequired', 'unauthorized'];

/** How a certificate stands, as a responder says it. */
export type OcspStatus = { status: 'good' } | { status: 'revoked'; revokedAt: Date } | { status: 'unknown' };

/** A CertID: the issuer's name and key hashes and the certificate's serial. */
export interface OcspCertId {
  hashAlgorithm: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialNumber: Uint8Array;
}

export interface OcspSingleResponse {
  certId: OcspCertId;
  status: OcspStatus;
}

export interface ParsedOcspResponse {
  /** DER of tbsResponseData: what the responder's signature covers. */
  signedDer: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
  producedAt: Date;
  responses: OcspSingleResponse[];
  /** The responder certificates the response carries (DER). */
  certificates: Uint8Array[];
}

/** RFC 6960 CertID of `certificate` under `issuer` (both DER): SHA-1 of the issuer's name and key, and the serial. */
export function certIdOf(certificate: Uint8Array, issuer: Uint8Array): OcspCertId {
  const ca = certificateOf(issuer);
  return {
    hashAlgorithm: ID_SHA1,
    issuerNameHash: sha1(ca.subjectDer),
    issuerKeyHash: sha1(ca.subjectPublicKey),
    serialNumber: certificateOf(certificate).serial,
  };
}

/** Reads a DER OCSPResponse; throws when it is not a successful basic response. */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const [status, responseBytes] = childrenOf(der, expectTag(readTlv(der, 0), 0x30, 'an OCSPResponse'));
  const code = contentOf(der, expectTag(status, 0x0a, 'the OCSP response status'))[0] ?? -1;
  if (code !== 0 || !responseBytes) throw new Error(`the OCSP responder answered ${RESPONSE_STATUS[code] ?? code}`);
  const [type, response] = childrenOf(der, expectTag(childrenOf(der, expectTag(responseBytes, 0xa0, 'the response bytes'))[0], 0x30, 'the response bytes'));
  const responseType = oidAt(der, type, 'the OCSP response type');
  if (responseType !== ID_PKIX_OCSP_BASIC) throw new Error(`OCSP response type ${responseType} is not the basic one`);
  const basic = octetsAt(der, response, 'the basic OCSP response');
  const [tbs, algorithm, signature, certs] = childrenOf(basic, expectTag(readTlv(basic, 0), 0x30, 'a BasicOCSPResponse'));
  const tbsTlv = expectTag(tbs, 0x30, 'the response data');
  const fields = childrenOf(basic, tbsTlv);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  i++; // responderID
  const producedAt = timeAt(basic, fields[i++], 'producedAt');
  const responses = childrenOf(basic, expectTag(fields[i], 0x30, 'the single responses')).map((single) => singleResponse(basic, single));
  const [algorithmOid, parameters] = childrenOf(basic, expectTag(algorithm, 0x30, 'the OCSP signature algorithm'));
  const signatureBits = bitStringAt(basic, signature, 'the OCSP signature');
  const certificates = certs?.tag === 0xa0 ? childrenOf(basic, expectTag(childrenOf(basic, certs)[0], 0x30, 'the responder certificates')).map((c) => basic.subarray(c.start, c.end)) : [];
  return {
    signedDer: basic.subarray(tbsTlv.start, tbsTlv.end),
    signatureAlgorithm: { algorithm: oidAt(basic, algorithmOid, 'the OCSP signature algorithm'), ...(parameters ? { parameters: basic.subarray(parameters.start, parameters.end) } : {}) },
    signature: signatureBits,
    producedAt,
    responses,
    certificates,
  };
}

function singleResponse(bytes: Uint8Array, tlv: Tlv): OcspSingleResponse {
  const [certId, certStatus] = childrenOf(bytes, expectTag(tlv, 0x30, 'a single response'));
  const [algorithm, nameHash, keyHash, serial] = childrenOf(bytes, expectTag(certId, 0x30, 'a CertID'));
  const id: OcspCertId = {
    hashAlgorithm: oidAt(bytes, childrenOf(bytes, expectTag(algorithm, 0x30, 'the CertID hash algorithm'))[0], 'the CertID hash algorithm'),
    issuerNameHash: contentOf(bytes, expectTag(nameHash, 0x04, 'issuerNameHash')),
    issuerKeyHash: contentOf(bytes, expectTag(keyHash, 0x04, 'issuerKeyHash')),
    serialNumber: contentOf(bytes, expectTag(serial, 0x02, 'the CertID serial number')),
  };
  let status: OcspStatus;
  if (certStatus?.tag === 0x80) status = { status: 'good' };
  else if (certStatus?.tag === 0xa1) status = { status: 'revoked', revokedAt: timeAt(bytes, childrenOf(bytes, certStatus)[0], 'revocationTime') };
  else status = { status: 'unknown' };
  return { certId: id, status };
}

/** The single response naming `wanted` (a CertID made once for many responses). */
export function singleResponseFor(parsed: ParsedOcspResponse, wanted: OcspCertId): OcspSingleResponse | undefined {
  return parsed.responses.find(
    ({ certId }) =>
      certId.hashAlgorithm === ID_SHA1 &&
      equalBytes(certId.issuerKeyHash, wanted.issuerKeyHash) &&
      equalBytes(certId.issuerNameHash, wanted.issuerNameHash) &&
      equalBytes(unsignedOctets(certId.serialNumber), unsignedOctets(wanted.serialNumber)),
  );
}

/** The single response about `certificate` (matched by issuer key hash and serial), if the response has one. */
export function singleResponseAbout(parsed: ParsedOcspResponse, certificate: Uint8Array, issuer: Uint8Array): OcspSingleResponse | undefined {
  return singleResponseFor(parsed, certIdOf(certificate, issuer));
}

export function statusOf(single: OcspSingleResponse): OcspStatus {
  return single.status;
}

function signedWith(parsed: ParsedOcspResponse, certificate: Certificate): boolean {
  return verifiesWithKeyOf(certificate, parsed.signatureAlgorithm, parsed.signedDer, parsed.signature);
}

/**
 * Who may answer for `issuer`'s certificates (RFC 6960 4.2.2.2): the CA itself, or a delegated
 * responder whose certificate the CA signed for id-kp-OCSPSigning and which was valid when it
 * answered. Returns that responder's certificate when it signed the response, else undefined.
 */
export function authorisedResponder(parsed: ParsedOcspResponse, issuer: Certificate): Certificate | undefined {
  if (signedWith(parsed, issuer)) return issuer;
  for (const der of parsed.certificates) {
    let candidate: Certificate;
    let eku: string[];
    try {
      candidate = certificateOf(der);
      eku = candidate.extendedKeyUsages() ?? [];
    } catch {
      continue;
    }
    const produced = parsed.producedAt.getTime();
    if (candidate.issuer !== issuer.subject || !eku.includes(ID_KP_OCSP_SIGNING)) continue;
    if (produced < candidate.notBefore.getTime() || produced > candidate.notAfter.getTime()) continue;
    if (!candidate.signedBy(issuer)) continue;
    if (signedWith(parsed, candidate)) return candidate;
  }
  return undefined;
}

function sha1(data: Uint8Array): Uint8Array {
  return createHash('sha1').update(data).digest();
}
