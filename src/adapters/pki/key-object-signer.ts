import { constants, sign, X509Certificate, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import type { PartySigner } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';

export interface KeyObjectSignerInput {
  partyId: PartyId;
  privateKey: KeyObject;
  /** DER. */
  certificate: Uint8Array;
  /** DER issuing CA certificates, nearest first, root excluded. */
  chain: Uint8Array[];
}

function signAsync(data: Uint8Array, key: SignKeyObjectInput): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(new Uint8Array(signature))));
  });
}

function signHere(data: Uint8Array, key: SignKeyObjectInput): Promise<Uint8Array> {
  try {
    return Promise.resolve(new Uint8Array(sign('sha256', data, key)));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * A PartySigner over a node:crypto private key. The key lives only in this closure, so the signer
 * can be logged or serialised without exposing it. Checks that the key belongs to the certificate,
 * so that a mixed-up key file fails here rather than as an unverifiable signature later.
 */
export function createKeyObjectSigner(input: KeyObjectSignerInput): PartySigner {
  const { partyId, privateKey } = input;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(input.certificate);
  } catch {
    throw new SdxError('key-record-invalid', `the certificate of party "${partyId}" is not a DER X.509 certificate; re-issue it`);
  }
  if (privateKey.type !== 'private' || !certificate.checkPrivateKey(privateKey)) {
    throw new SdxError(
      'key-certificate-mismatch',
      `the private key of party "${partyId}" does not belong to its certificate; store the key that was certified with it`,
    );
  }
  const keyType = privateKey.asymmetricKeyType;
  let keyFor: (purpose: 'cms' | 'jws') => SignKeyObjectInput;
  let algorithm: PartySigner['algorithm'];
  // An ECDSA P-256 signature takes ~20 µs, less than handing it to libuv's thread pool and back
  // (~60 µs, with the caller idle meanwhile); an RSA one takes milliseconds and stays off the caller's thread.
  let signOnThisThread = false;
  if (keyType === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    algorithm = 'ES256';
    signOnThisThread = true;
    keyFor = (purpose) => ({ key: privateKey, dsaEncoding: purpose === 'cms' ? 'der' : 'ieee-p1363' });
  } else if (keyType === 'rsa') {
    algorithm = 'PS256';
    keyFor = (purpose) =>
      purpose === 'cms'
        ? { key: privateKey, padding: constants.RSA_PKCS1_PADDING }
        : { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  } else {
    throw new SdxError(
      'key-record-invalid',
      `the key of party "${partyId}" is neither ECDSA P-256 nor RSA; issue it an ECDSA P-256 or RSA key`,
    );
  }
  return Object.freeze({
    partyId,
    algorithm,
    keyType,
    certificate: Uint8Array.from(input.certificate),
    chain: input.chain.map((der) => Uint8Array.from(der)),
    sign: (data: Uint8Array, purpose: 'cms' | 'jws') =>
      signOnThisThread ? signHere(data, keyFor(purpose)) : signAsync(data, keyFor(purpose)),
  });
}
