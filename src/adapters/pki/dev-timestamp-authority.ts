import { createPrivateKey, type KeyObject } from 'node:crypto';
import {
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  id_signedData,
  IssuerAndSerialNumber,
  SignerIdentifier,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Accuracy,
  id_ct_tstInfo,
  MessageImprint,
  PKIFailureInfo,
  PKIFailureInfoFlags,
  PKIStatus,
  PKIStatusInfo,
  PKIFreeText,
  TimeStampReq,
  TSTInfo,
  TSTInfoVersion,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import type { TimestampAuthority } from '../../application/ports/key-store.port';
import { cmsSign, cmsSignatureAlgorithm, contentTypeAttribute, encodeSignedAttributes, messageDigestAttribute, toArrayBuffer } from './cms-signed-attributes';
import { derTlv, derUnsignedInteger } from './der';
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
  messageImprint: MessageImprint;
  nonce?: ArrayBuffer;
  includeCertificates: boolean;
}

/**
 * An in-process RFC 3161 TSA for development and tests: ECDSA or RSA, SHA-256, signed attributes
 * contentType, messageDigest and signing-certificate-v2 (RFC 5816), genTime in whole seconds with
 * an accuracy of one second. `respond` also serves RFC 3161 requests for a local HTTP endpoint.
 */
export class DevTimestampAuthority implements TimestampAuthority {
  readonly #privateKey: KeyObject;
  readonly #certificate: Uint8Array;
  readonly #parsedCertificate: Certificate;
  readonly #chain: Uint8Array[];
  /** Parsed once: re-parsing the certificates for every token cost most of its time. */
  readonly #certificateChoices: CertificateChoices[];
  readonly #signingCertificate: ReturnType<typeof signingCertificateV2Attribute>;
  /**
   * The parts of every token's SignedData that never change, serialised once: the version and
   * digest algorithms, and the certificates field. Serialising the certificates through
   * asn1-schema for every token was most of a B-T signature's time.
   */
  readonly #signedDataHead: Uint8Array;
  readonly #certificatesField: Uint8Array;
  /** The SignerInfo's version, sid and digestAlgorithm, and its signatureAlgorithm. */
  readonly #signerInfoHead: Uint8Array;
  readonly #signatureAlgorithm: Uint8Array;
  readonly #clock: () => Date;
  readonly #nextSerial: () => bigint;
  readonly policy: string;

  constructor(options: DevTimestampAuthorityOptions) {
    this.#privateKey = options.privateKey;
    this.#certificate = Uint8Array.from(options.certificate);
    this.#parsedCertificate = AsnConvert.parse(this.#certificate, Certificate);
    this.#chain = (options.chain ?? []).map((der) => Uint8Array.from(der));
    this.#certificateChoices = [this.#certificate, ...this.#chain].map(
      (der) => new CertificateChoices({ certificate: AsnConvert.parse(der, Certificate) }),
    );
    this.#signingCertificate = signingCertificateV2Attribute(this.#certificate);
    this.#signedDataHead = concat(
      derTlv(0x02, Uint8Array.of(CMSVersion.v3)),
      new Uint8Array(AsnConvert.serialize(new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: id_sha256 })]))),
    );
    // certificates [0] IMPLICIT CertificateSet: the SET's encoding under the context tag.
    const certificateSet = new Uint8Array(AsnConvert.serialize(new CertificateSet(this.#certificateChoices)));
    certificateSet[0] = 0xa0;
    this.#certificatesField = certificateSet;
    const tbs = this.#parsedCertificate.tbsCertificate;
    this.#signerInfoHead = concat(
      derTlv(0x02, Uint8Array.of(CMSVersion.v1)),
      new Uint8Array(
        AsnConvert.serialize(
          new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }) }),
        ),
      ),
      new Uint8Array(AsnConvert.serialize(new DigestAlgorithmIdentifier({ algorithm: id_sha256 }))),
    );
    const keyType = this.#privateKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec';
    this.#signatureAlgorithm = new Uint8Array(AsnConvert.serialize(cmsSignatureAlgorithm(keyType)));
    this.#clock = options.clock;
    this.#nextSerial = options.nextSerial;
    this.policy = options.policy ?? SDX_DEV_TSA_POLICY;
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
    const messageImprint = new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256 }),
      hashedMessage: new OctetString(digest),
    });
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
      messageImprint: request.messageImprint,
      ...(request.nonce ? { nonce: request.nonce } : {}),
      includeCertificates: request.certReq,
    });
    const status = AsnConvert.serialize(new PKIStatusInfo({ status: PKIStatus.granted }));
    // The token is appended as issued rather than re-serialised, so its bytes stay the signed ones.
    return derTlv(0x30, Buffer.concat([new Uint8Array(status), token]));
  }

  private async issue(request: TokenRequest): Promise<Uint8Array> {
    const genTime = new Date(Math.floor(this.#clock().getTime() / 1000) * 1000);
    const tstInfo = new TSTInfo({
      version: TSTInfoVersion.v1,
      policy: this.policy,
      messageImprint: request.messageImprint,
      serialNumber: toArrayBuffer(derUnsignedInteger(this.#nextSerial())),
      genTime,
      accuracy: new Accuracy({ seconds: 1 }),
      ordering: false,
      ...(request.nonce ? { nonce: request.nonce } : {}),
    });
    const tstInfoDer = new Uint8Array(AsnConvert.serialize(tstInfo));
    const signed = encodeSignedAttributes([
      contentTypeAttribute(id_ct_tstInfo),
      messageDigestAttribute(tstInfoDer),
      this.#signingCertificate,
    ]);
    // signedAttrs [0] IMPLICIT: the attribute SET the signature covers, under the context tag.
    const signedAttrs = Uint8Array.from(signed.der);
    signedAttrs[0] = 0xa0;
    const signerInfo = derTlv(
      0x30,
      concat(this.#signerInfoHead, signedAttrs, this.#signatureAlgorithm, derTlv(0x04, cmsSign(signed.der, this.#privateKey))),
    );
    const encapContentInfo = new EncapsulatedContentInfo({
      eContentType: id_ct_tstInfo,
      eContent: new EncapsulatedContent({ single: new OctetString(tstInfoDer) }),
    });
    const signedData = derTlv(
      0x30,
      concat(
        this.#signedDataHead,
        new Uint8Array(AsnConvert.serialize(encapContentInfo)),
        request.includeCertificates ? this.#certificatesField : new Uint8Array(0),
        derTlv(0x31, signerInfo),
      ),
    );
    const contentInfo = new ContentInfo({ contentType: id_signedData, content: toArrayBuffer(signedData) });
    return new Uint8Array(AsnConvert.serialize(contentInfo));
  }
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
