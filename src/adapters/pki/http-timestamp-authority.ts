import { randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, PKIFailureInfoFlags, PKIStatus, PKIStatusInfo, TimeStampReq, TimeStampReqVersion } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type { TimestampAuthority } from '../../application/ports/key-store.port';
import { SdxError } from '../../domain/shared/errors';
import { toArrayBuffer } from './cms-signed-attributes';
import { derUnsignedInteger, readTlv } from './der';
import { id_sha256 } from './ess-signing-certificate';
import { readTimestampToken } from './timestamp-token';

export interface HttpTimestampAuthorityOptions {
  /** The TSA's RFC 3161 HTTP endpoint. */
  url: string;
  /** Asked for in the request; when absent the TSA picks its default policy. */
  policy?: string;
  /** Extra request headers, e.g. a TSA's authorisation header. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * RFC 3161 over HTTP (`application/timestamp-query`). Each request carries a random nonce and asks
 * for the TSA certificate; a reply is accepted only when granted and when its token covers the
 * same digest and nonce. Does not validate the TSA's certificate: verifiers do that.
 */
export class HttpTimestampAuthority implements TimestampAuthority {
  constructor(private readonly options: HttpTimestampAuthorityOptions) {}

  async timestamp(digest: Uint8Array): Promise<Uint8Array> {
    if (digest.length !== 32) throw new RangeError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
    const nonce = derUnsignedInteger(BigInt(`0x${randomBytes(8).toString('hex')}`));
    const request = new TimeStampReq({
      version: TimeStampReqVersion.v1,
      messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256 }), hashedMessage: new OctetString(digest) }),
      ...(this.options.policy ? { reqPolicy: this.options.policy } : {}),
      nonce: toArrayBuffer(nonce),
      certReq: true,
    });
    const reply = await this.post(new Uint8Array(AsnConvert.serialize(request)));
    const token = this.tokenFrom(reply);
    this.checkToken(token, digest, nonce);
    return token;
  }

  private async post(body: Uint8Array): Promise<Uint8Array> {
    const where = new URL(this.options.url).origin;
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(this.options.url, {
        method: 'POST',
        headers: { ...this.options.headers, 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new SdxError('tsa-unavailable', `the time-stamping authority at ${where} did not answer; check the TSA URL and the network`, { cause: error });
    }
    if (!response.ok) {
      throw new SdxError('tsa-unavailable', `the time-stamping authority at ${where} answered HTTP ${response.status}; check the TSA URL and credentials`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_RESPONSE_BYTES) {
      throw new SdxError('tsa-response-invalid', `the time-stamping authority at ${where} sent more than ${MAX_RESPONSE_BYTES} bytes`);
    }
    return bytes;
  }

  /** TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL } */
  private tokenFrom(reply: Uint8Array): Uint8Array {
    let status: PKIStatusInfo;
    let token: Uint8Array | undefined;
    try {
      const outer = readTlv(reply, 0);
      const statusTlv = readTlv(reply, outer.contentStart);
      status = AsnConvert.parse(reply.subarray(outer.contentStart, statusTlv.end), PKIStatusInfo);
      // The token is kept as sent: re-encoding could change the bytes its signature covers.
      if (statusTlv.end < outer.end) token = reply.subarray(statusTlv.end, readTlv(reply, statusTlv.end).end).slice();
    } catch (error) {
      throw new SdxError('tsa-response-invalid', 'the time-stamping authority sent a reply that is not a DER TimeStampResp', { cause: error });
    }
    if (status.status !== PKIStatus.granted && status.status !== PKIStatus.grantedWithMods) {
      const failBits = status.failInfo?.toNumber() ?? 0;
      const reasons = Object.entries(PKIFailureInfoFlags)
        .filter(([, flag]) => typeof flag === 'number' && (failBits & flag) !== 0)
        .map(([reason]) => reason);
      const text = status.statusString?.join('; ') ?? '';
      throw new SdxError(
        'tsa-rejected',
        `the time-stamping authority refused the request (status ${PKIStatus[status.status] ?? status.status}${reasons.length ? `, ${reasons.join(', ')}` : ''}${text ? `: ${text}` : ''}); check the requested policy and the TSA account`,
      );
    }
    if (!token) throw new SdxError('tsa-response-invalid', 'the time-stamping authority granted the request but sent no token');
    return token;
  }

  private checkToken(token: Uint8Array, digest: Uint8Array, nonce: Uint8Array): void {
    let tstInfo;
    try {
      tstInfo = readTimestampToken(token).tstInfo;
    } catch (error) {
      throw new SdxError('tsa-response-invalid', 'the time-stamping authority sent a token that is not a CMS TimeStampToken', { cause: error });
    }
    const imprint = tstInfo.messageImprint;
    if (imprint.hashAlgorithm.algorithm !== id_sha256 || !Buffer.from(imprint.hashedMessage.buffer).equals(digest)) {
      throw new SdxError('tsa-response-invalid', 'the time-stamping authority sent a token for another digest');
    }
    if (!tstInfo.nonce || !Buffer.from(tstInfo.nonce).equals(nonce)) {
      throw new SdxError('tsa-response-invalid', 'the time-stamping authority sent a token without the request nonce (a replayed or foreign token)');
    }
  }
}
