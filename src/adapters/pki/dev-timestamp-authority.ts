import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  id_signedData,
  IssuerAndSerialNumber,
  SignerIdentifier,
} from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Accuracy,
  id_ct_tstInfo,
  PKIFailureInfo,
  PKIFailureInfoFlags,
  PKIStatus,
  PKIStatusInfo,
  PKIFreeText,
  TimeStampReq,
  TSTInfoVersion,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import type { TimestampAuthority } from '../../application/ports/key-store.port';
import { cmsSign, cmsSignatureAlgorithm, contentTypeAttribute, encodeSignedAttributes, messageDigestAttribute } from './cms-signed-attributes';
import { derObjectIdentifier, derTlv, derUnsignedInteger } from './der';
import { id_sha256, signingCertificateV2Attribute } from './ess-signing-certificate';
import { decodePem } from './pem';

/**
 * The policy of the development TSA. It sits under IANA enterprise number 32473, which RFC 5612
 * reserves for documentation and examples, so it can never collide with a real policy.
 */
export const SDX_DEV_TSA_POLICY = '1.3.6.1.4.1.32473.1.1';

export interface DevTimestampAuthorityOptions {
  /** DER certificate with the critical timeStamping EKU. */
  certificate: Uint8Array;
  privateKey: KeyObject;
  /** DER certificates placed in tokens after the TSA's own (e.g. the issuing CA). */
  chain?: Uint8Array[];
  clock: () => Date;
  /** Unique per token (RFC 3161 2.4.2); positive. */
  nextSerial: () => bigint;
  policy?: string;
}

export interface DevTimestampAuthorityPemOptions extends Omit<DevTimestampAuthorityOptions, 'certificate' | 'privateKey' | 'chain'> {
  certificatePem: string;
  privateKeyPem: string;
  chainPem?: string;
}

interface TokenRequest {
  /** DER. */
  messageImprint: Uint8Array;
  /** The content octets of the request's nonce INTEGER, repeated as they came. */
  nonce?: Uint8Array;
  includeCertificates: boolean;
}

/**
 * An in-process RFC 3161 TSA for development and tests: ECDSA or RSA, SHA-256, signed attributes
 * contentType, messageDigest and signing-certificate-v2 (RFC 5816), genTime in whole seconds with
 * an accuracy of one second. `respond` also serves RFC 3161 requests for a local HTTP endpoint.
 */
export class DevTimestampAuthority implements TimestampAuthority {
  readonly #privateKey: KeyObject;
  /**
   * Every part of a token that does not change from one token to the next, as DER built once:
   * assembling a token from these pieces instead of through asn1-schema (which re-parsed the
   * certificates inside the SignedData for every token) was most of a B-T signature's time.
   */
  readonly #fixed: {
    /** version and policy of the TSTInfo. */
    tstInfoHead: Uint8Array;
    /** The messageImprint's hashAlgorithm (SHA-256, no parameters), as `timestamp` asks for it. */
    sha256Algorithm: Uint8Array;
    /** The TSTInfo's accuracy (one second). */
    accuracy: Uint8Array;
    /** The contentType (TSTInfo) and signing-certificate-v2 signed attributes. */
    attributes: Uint8Array[];
    /** The SignerInfo's version, sid and digestAlgorithm, and its signatureAlgorithm. */
    signerInfoHead: Uint8Array;
    signatureAlgorithm: Uint8Array;
    /** The SignedData's version and digestAlgorithms; its certificates [0] field. */
    signedDataHead: Uint8Array;
    certificatesField: Uint8Array;
  };
  readonly #clock: () => Date;
  readonly #nextSerial: () => bigint;
  readonly policy: string;

  constructor(options: DevTimestampAuthorityOptions) {
    this.#privateKey = options.privateKey;
    const certificate = Uint8Array.from(options.certificate);
    const chain = (options.chain ?? []).map((der) => Uint8Array.from(der));
    const certificateChoices = [certificate, ...chain].map((der) => new CertificateChoices({ certificate: AsnConvert.parse(der, Certificate) }));
    // certificates [0] IMPLICIT CertificateSet: the SET's encoding under the context tag.
    const certificatesField = serialize(new CertificateSet(certificateChoices));
    certificatesField[0] = 0xa0;
    const tbs = AsnConvert.parse(certificate, Certificate).tbsCertificate;
    const keyType = this.#privateKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec';
    this.policy = options.policy ?? SDX_DEV_TSA_POLICY;
    this.#fixed = {
      tstInfoHead: concat(derTlv(0x02, Uint8Array.of(TSTInfoVersion.v1)), derObjectIdentifier(this.policy)),
      sha256Algorithm: serialize(new AlgorithmIdentifier({ algorithm: id_sha256 })),
      accuracy: serialize(new Accuracy({ seconds: 1 })),
      attributes: [contentTypeAttribute(id_ct_tstInfo), serialize(signingCertificateV2Attribute(certificate))],
      signerInfoHead: concat(
        derTlv(0x02, Uint8Array.of(CMSVersion.v1)),
        serialize(new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }) })),
        serialize(new DigestAlgorithmIdentifier({ algorithm: id_sha256 })),
      ),
      signatureAlgorithm: serialize(cmsSignatureAlgorithm(keyType)),
      signedDataHead: concat(
        derTlv(0x02, Uint8Array.of(CMSVersion.v3)),
        serialize(new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: id_sha256 })])),
      ),
      certificatesField,
    };
    this.#clock = options.clock;
    this.#nextSerial = options.nextSerial;
  }

  static fromPem(options: DevTimestampAuthorityPemOptions): DevTimestampAuthority {
    const certificate = decodePem(options.certificatePem, 'CERTIFICATE')[0];
    if (!certificate) throw new RangeError('the TSA certificate PEM holds no CERTIFICATE block');
    return new DevTimestampAuthority({
      ...options,
      certificate,
      privateKey: createPrivateKey({ key: options.privateKeyPem, format: 'pem' }),
      chain: options.chainPem ? decodePem(options.chainPem, 'CERTIFICATE') : [],
    });
  }

  async timestamp(digest: Uint8Array): Promise<Uint8Array> {
    if (digest.length !== 32) throw new RangeError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
    // MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
    const messageImprint = derTlv(0x30, concat(this.#fixed.sha256Algorithm, derTlv(0x04, digest)));
    return this.issue({ messageImprint, includeCertificates: true });
  }

  /** Answers a DER TimeStampReq with a DER TimeStampResp (granted, or rejection with a reason). */
  async respond(requestDer: Uint8Array): Promise<Uint8Array> {
    let request: TimeStampReq;
    try {
      request = AsnConvert.parse(requestDer, TimeStampReq);
    } catch {
      return rejection(PKIFailureInfoFlags.badDataFormat, 'the request is not a DER TimeStampReq');
    }
    if (request.messageImprint.hashAlgorithm.algorithm !== id_sha256) {
      return rejection(PKIFailureInfoFlags.badAlg, 'only SHA-256 message imprints are accepted');
    }
    if (request.messageImprint.hashedMessage.byteLength !== 32) {
      return rejection(PKIFailureInfoFlags.badDataFormat, 'the message imprint is not 32 bytes');
    }
    if (request.reqPolicy !== undefined && request.reqPolicy !== this.policy) {
      return rejection(PKIFailureInfoFlags.unacceptedPolicy, `only policy ${this.policy} is offered`);
    }
    if (request.extensions && request.extensions.length > 0) {
      return rejection(PKIFailureInfoFlags.unacceptedExtension, 'no request extensions are supported');
    }
    const token = await this.issue({
      messageImprint: serialize(request.messageImprint),
      ...(request.nonce ? { nonce: new Uint8Array(request.nonce) } : {}),
      includeCertificates: request.certReq,
    });
    const status = AsnConvert.serialize(new PKIStatusInfo({ status: PKIStatus.granted }));
    // The token is appended as issued rather than re-serialised, so its bytes stay the signed ones.
    return derTlv(0x30, Buffer.concat([new Uint8Array(status), token]));
  }

  private async issue(request: TokenRequest): Promise<Uint8Array> {
    const fixed = this.#fixed;
    const genTime = new Date(Math.floor(this.#clock().getTime() / 1000) * 1000);
    // TSTInfo (RFC 3161 2.4.2); ordering keeps its DEFAULT FALSE, so DER leaves it out.
    const tstInfo = derTlv(
      0x30,
      concat(
        fixed.tstInfoHead,
        request.messageImprint,
        derTlv(0x02, derUnsignedInteger(this.#nextSerial())),
        derTlv(0x18, generalizedTime(genTime)),
        fixed.accuracy,
        request.nonce ? derTlv(0x02, request.nonce) : new Uint8Array(0),
      ),
    );
    const signed = encodeSignedAttributes([...fixed.attributes, messageDigestAttribute(tstInfo)]);
    // signedAttrs [0] IMPLICIT: the attribute SET the signature covers, under the context tag.
    const signedAttrs = Uint8Array.from(signed);
    signedAttrs[0] = 0xa0;
    const signerInfo = derTlv(
      0x30,
      concat(fixed.signerInfoHead, signedAttrs, fixed.signatureAlgorithm, derTlv(0x04, cmsSign(signed, this.#privateKey))),
    );
    // EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING }
    const encapContentInfo = derTlv(0x30, concat(ID_CT_TSTINFO, derTlv(0xa0, derTlv(0x04, tstInfo))));
    const signedData = derTlv(
      0x30,
      concat(
        fixed.signedDataHead,
        encapContentInfo,
        request.includeCertificates ? fixed.certificatesField : new Uint8Array(0),
        derTlv(0x31, signerInfo),
      ),
    );
    // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }. A plain Uint8Array of its own,
    // not a Buffer: a Buffer's slice() shares memory, and small ones share a pool's ArrayBuffer.
    return new Uint8Array(derTlv(0x30, concat(ID_SIGNED_DATA, derTlv(0xa0, signedData))));
  }
}

const ID_CT_TSTINFO = derObjectIdentifier(id_ct_tstInfo);
const ID_SIGNED_DATA = derObjectIdentifier(id_signedData);

/** GeneralizedTime of a whole-second UTC time: YYYYMMDDHHMMSSZ (X.690 11.7). */
function generalizedTime(time: Date): Uint8Array {
  return new TextEncoder().encode(`${time.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`);
}

function serialize(value: object): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function rejection(failure: PKIFailureInfoFlags, text: string): Uint8Array {
  const status = new PKIStatusInfo({
    status: PKIStatus.rejection,
    statusString: new PKIFreeText([text]),
    failInfo: new PKIFailureInfo(failure),
  });
  return derTlv(0x30, new Uint8Array(AsnConvert.serialize(status)));
}
