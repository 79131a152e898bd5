/**
 * RFC 5035 ESS signing-certificate-v2: a signed attribute naming the signer's certificate by hash,
 * required by RFC 3161 TSAs (RFC 5816) and by PAdES/CAdES baseline signatures. @peculiar/asn1-cms
 * does not define it, so it is defined here for the TSA and the PAdES signer to share.
 *
 *   SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF PolicyInformation OPTIONAL }
 *   ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *                              certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
 *   IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
 */
import { createHash } from 'node:crypto';
import { Attribute } from '@peculiar/asn1-cms';
import { AsnConvert, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, GeneralName, GeneralNames, PolicyInformation } from '@peculiar/asn1-x509';
import { equalBytes } from '../../domain/shared/bytes';

export const id_aa_signingCertificateV2 = '1.2.840.113549.1.9.16.2.47';
export const id_sha256 = '2.16.840.1.101.3.4.2.1';

export class EssIssuerSerial {
  issuer = new GeneralNames();
  serialNumber = new ArrayBuffer(0);
  constructor(params: Partial<EssIssuerSerial> = {}) {
    Object.assign(this, params);
  }
}

export class EssCertIdV2 {
  /** Absent means SHA-256 (the DEFAULT, which DER leaves out). */
  hashAlgorithm?: AlgorithmIdentifier;
  certHash = new OctetString();
  issuerSerial?: EssIssuerSerial;
  constructor(params: Partial<EssCertIdV2> = {}) {
    Object.assign(this, params);
  }
}

export class SigningCertificateV2 {
  certs: EssCertIdV2[] = [];
  policies?: PolicyInformation[];
  constructor(params: Partial<SigningCertificateV2> = {}) {
    Object.assign(this, params);
  }
}

// The decorators applied by hand: the project compiles without legacy `experimentalDecorators`.
AsnProp({ type: GeneralNames })(EssIssuerSerial.prototype, 'issuer');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(EssIssuerSerial.prototype, 'serialNumber');
AsnProp({ type: AlgorithmIdentifier, optional: true })(EssCertIdV2.prototype, 'hashAlgorithm');
AsnProp({ type: OctetString })(EssCertIdV2.prototype, 'certHash');
AsnProp({ type: EssIssuerSerial, optional: true })(EssCertIdV2.prototype, 'issuerSerial');
AsnProp({ type: EssCertIdV2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs');
AsnProp({ type: PolicyInformation, repeated: 'sequence', optional: true })(SigningCertificateV2.prototype, 'policies');

/** ESSCertIDv2 for a DER certificate: SHA-256 hash plus issuer and serial number. */
export function essCertIdV2For(certificateDer: Uint8Array): EssCertIdV2 {
  const certificate = AsnConvert.parse(certificateDer, Certificate);
  return new EssCertIdV2({
    certHash: new OctetString(createHash('sha256').update(certificateDer).digest()),
    issuerSerial: new EssIssuerSerial({
      issuer: new GeneralNames([new GeneralName({ directoryName: certificate.tbsCertificate.issuer })]),
      serialNumber: certificate.tbsCertificate.serialNumber,
    }),
  });
}

/** The signed attribute `signing-certificate-v2` naming `certificateDer` (RFC 5035, SHA-256). */
export function signingCertificateV2Attribute(certificateDer: Uint8Array): Attribute {
  const value = new SigningCertificateV2({ certs: [essCertIdV2For(certificateDer)] });
  return new Attribute({ attrType: id_aa_signingCertificateV2, attrValues: [AsnConvert.serialize(value)] });
}

/**
 * Whether the first ESSCertIDv2 of a signing-certificate-v2 attribute value names `certificateDer`
 * (hash, and issuer/serial when present). RFC 5035 makes the first entry the signer's certificate.
 */
export function signingCertificateV2Names(attributeValue: ArrayBuffer | Uint8Array, certificateDer: Uint8Array): boolean {
  const parsed = AsnConvert.parse(attributeValue, SigningCertificateV2);
  const first = parsed.certs[0];
  if (!first) return false;
  const algorithm = first.hashAlgorithm?.algorithm ?? id_sha256;
  const hashName = ({ [id_sha256]: 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' } as Record<string, string>)[algorithm];
  if (!hashName) return false;
  const expected = createHash(hashName).update(certificateDer).digest();
  if (!equalBytes(expected, new Uint8Array(first.certHash.buffer))) return false;
  if (!first.issuerSerial) return true;
  const mine = essCertIdV2For(certificateDer).issuerSerial;
  return !!mine && equalBytes(new Uint8Array(AsnConvert.serialize(mine)), new Uint8Array(AsnConvert.serialize(first.issuerSerial)));
}
