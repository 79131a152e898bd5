// @peculiar/x509 resolves its crypto provider through tsyringe, which needs the Reflect metadata
// polyfill loaded first. This module is the one place that loads it; import x509 from here only.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

const parsed = new WeakMap<Uint8Array, x509.X509Certificate | Error>();

/**
 * The certificate in `der`, parsed once per array: one verification hands the same certificate
 * bytes to the chain check, the identity check and the trust material of every signature.
 * Throws, every time, when `der` is not a certificate.
 */
export function certificateOf(der: Uint8Array): x509.X509Certificate {
  let certificate = parsed.get(der);
  if (certificate === undefined) {
    try {
      certificate = new x509.X509Certificate(der);
    } catch (error) {
      certificate = error instanceof Error ? error : new Error(String(error));
    }
    parsed.set(der, certificate);
  }
  if (certificate instanceof Error) throw certificate;
  return certificate;
}
