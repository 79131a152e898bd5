import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
  TBSRequest,
  KeyHash,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, CRLReason, CRLReasons } from '@peculiar/asn1-x509';
import { cmsSign, cmsSignatureAlgorithm, toArrayBuffer } from './cms-signed-attributes';
import { decodePem } from './pem';
import { SdxError } from '../../domain/shared/errors';
import { x509 } from './x509';
import { ID_SHA1, parseOcspResponse, singleResponseAbout } from './ocsp-response';

export { authorisedResponder, parseOcspResponse, singleResponseAbout, singleResponseFor, statusOf, type OcspStatus, type ParsedOcspResponse } from './ocsp-response';

/** Answers "is this certificate revoked?" for one CA, as a DER OCSPResponse. */
export interface OcspSource {
  /** A signed OCSPResponse about `certificate`, issued by `issuer` (both DER). */
  responseFor(certificate: Uint8Array, issuer: Uint8Array): Promise<Uint8Array>;
}

/** RFC 6960 CertID of `certificate` under `issuer`: SHA-1 of the issuer's name and key, and the serial. */
export function certIdFor(certificate: Uint8Array, issuer: Uint8Array): CertID {
  const subject = AsnConvert.parse(certificate, Certificate);
  const ca = AsnConvert.parse(issuer, Certificate);
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: ID_SHA1, parameters: null }),
    issuerNameHash: new OctetString(sha1(AsnConvert.serialize(ca.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(sha1(ca.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    serialNumber: subject.tbsCertificate.serialNumber,
  });
}

/** A DER OCSPRequest for one certificate, unsigned and without a nonce (responses may be cached). */
export function ocspRequestFor(certificate: Uint8Array, issuer: Uint8Array): Uint8Array {
  const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certIdFor(certificate, issuer) })] }) });
  return new Uint8Array(AsnConvert.serialize(request));
}

export interface DevOcspResponderOptions {
  /** The CA whose certificates the responder speaks for (DER). */
  issuer: Uint8Array;
  /** Delegated responder certificate (id-kp-OCSPSigning, issued by `issuer`) and its key. */
  responderCertificate: Uint8Array;
  responderKey: KeyObject;
  /** The issuer's current CRLs (DER), read on every answer so that a revocation shows at once. */
  crls: () => Uint8Array[];
  clock: () => Date;
  /** How long a response may be relied on (nextUpdate - thisUpdate); one day by default. */
  validityMs?: number;
}

/**
 * A development OCSP responder (RFC 6960) for one CA, answering from that CA's CRLs: a serial the
 * CRL lists is revoked (with its revocation time and reason), any other certificate the CA issued
 * is good. Responses are signed by a delegated responder certificate and carry it.
 */
export class DevOcspResponder implements OcspSource {
  readonly #options: DevOcspResponderOptions;
  readonly #key: KeyObject;

  constructor(options: DevOcspResponderOptions) {
    this.#options = options;
    this.#key = options.responderKey;
  }

  static fromPem(options: Omit<DevOcspResponderOptions, 'issuer' | 'responderCertificate' | 'responderKey'> & { issuerPem: string; certificatePem: string; keyPem: string }): DevOcspResponder {
    const [issuer] = decodePem(options.issuerPem, 'CERTIFICATE');
    const [responderCertificate] = decodePem(options.certificatePem, 'CERTIFICATE');
    if (!issuer || !responderCertificate) throw new RangeError('the OCSP responder needs its CA certificate and its own certificate as PEM');
    return new DevOcspResponder({ ...options, issuer, responderCertificate, responderKey: createPrivateKey(options.keyPem) });
  }

  async responseFor(certificate: Uint8Array, issuer: Uint8Array): Promise<Uint8Array> {
    return this.answer([certIdFor(certificate, issuer)]);
  }

  /** Answers a DER OCSPRequest (as POSTed to an OCSP URL) with a DER OCSPResponse. */
  async respond(requestDer: Uint8Array): Promise<Uint8Array> {
    let request: OCSPRequest;
    try {
      request = AsnConvert.parse(requestDer, OCSPRequest);
    } catch {
      return failure(OCSPResponseStatus.malformedRequest);
    }
    const ids = request.tbsRequest.requestList.map((r) => r.reqCert);
    if (ids.length === 0 || ids.length > 20) return failure(OCSPResponseStatus.malformedRequest);
    return this.answer(ids);
  }

  private answer(ids: CertID[]): Uint8Array {
    const ca = AsnConvert.parse(this.#options.issuer, Certificate);
    const ownKeyHash = sha1(ca.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
    const now = new Date(Math.floor(this.#options.clock().getTime() / 1000) * 1000);
    const nextUpdate = new Date(now.getTime() + (this.#options.validityMs ?? 24 * 60 * 60 * 1000));
    const revoked = this.revokedSerials();
    const responses = ids.map((id) => {
      let certStatus: CertStatus;
      if (!Buffer.from(id.issuerKeyHash.buffer).equals(ownKeyHash)) certStatus = new CertStatus({ unknown: null });
      else {
        const entry = revoked.get(serialHex(id.serialNumber));
        certStatus = entry
          ? new CertStatus({ revoked: new RevokedInfo({ revocationTime: entry.revokedAt, ...(entry.reason !== undefined ? { revocationReason: new CRLReason(entry.reason) } : {}) }) })
          : new CertStatus({ good: null });
      }
      return new SingleResponse({ certID: id, certStatus, thisUpdate: now, nextUpdate });
    });
    const responder = AsnConvert.parse(this.#options.responderCertificate, Certificate);
    const tbs = new ResponseData({
      responderID: new ResponderID({ byKey: new KeyHash(sha1(responder.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)) }),
      producedAt: now,
      responses,
    });
    const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
    const basic = new BasicOCSPResponse({
      tbsResponseData: tbs,
      signatureAlgorithm: cmsSignatureAlgorithm(this.#key.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec'),
      signature: toArrayBuffer(cmsSign(tbsDer, this.#key)),
      certs: [responder],
    });
    const response = new OCSPResponse({
      responseStatus: OCSPResponseStatus.successful,
      responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }),
    });
    return new Uint8Array(AsnConvert.serialize(response));
  }

  /** Serial (lower-case hex, no leading zeros) → revocation, from every CRL the issuer signed. */
  private revokedSerials(): Map<string, { revokedAt: Date; reason?: CRLReasons }> {
    const issuer = new x509.X509Certificate(this.#options.issuer);
    const out = new Map<string, { revokedAt: Date; reason?: CRLReasons }>();
    for (const der of this.#options.crls()) {
      let crl: x509.X509Crl;
      try {
        crl = new x509.X509Crl(der);
      } catch {
        continue;
      }
      if (crl.issuer !== issuer.subject) continue;
      for (const entry of crl.entries) {
        const reason = entry.reason as number | undefined;
        out.set(normaliseSerial(entry.serialNumber), { revokedAt: entry.revocationDate, ...(reason !== undefined ? { reason: reason as CRLReasons } : {}) });
      }
    }
    return out;
  }
}

function failure(status: OCSPResponseStatus): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new OCSPResponse({ responseStatus: status })));
}

function sha1(data: ArrayBuffer | Uint8Array): Buffer {
  return createHash('sha1').update(data instanceof Uint8Array ? data : new Uint8Array(data)).digest();
}

function serialHex(serial: ArrayBuffer): string {
  return normaliseSerial(Buffer.from(serial).toString('hex'));
}

function normaliseSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+/, '') || '0';
}

/**
 * An OCSP responder reached over HTTP (RFC 6960 A.1, POST `application/ocsp-request`). The answer
 * must be a successful basic response about the certificate asked for; its signature is left to
 * the verifier, like a TSA's.
 */
export class HttpOcspSource implements OcspSource {
  constructor(private readonly options: { url: string; timeoutMs?: number; fetch?: typeof fetch }) {}

  async responseFor(certificate: Uint8Array, issuer: Uint8Array): Promise<Uint8Array> {
    const where = new URL(this.options.url).origin;
    const doFetch = this.options.fetch ?? fetch;
    let bytes: Uint8Array;
    try {
      const response = await doFetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
        body: ocspRequestFor(certificate, issuer),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new SdxError('revocation-unavailable', `the OCSP responder at ${where} did not answer (${error instanceof Error ? error.message : String(error)}); check SDX_OCSP_URL and the network`, { cause: error });
    }
    try {
      const parsed = parseOcspResponse(bytes);
      if (!singleResponseAbout(parsed, certificate, issuer)) throw new Error('it says nothing about the certificate asked for');
    } catch (error) {
      throw new SdxError('revocation-unavailable', `the OCSP responder at ${where} sent an unusable answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return bytes;
  }
}
