import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** What a PKCS#12 (.pfx/.p12) file holds for one signer: its key, its certificate, the CA certificates with it. */
export interface Pkcs12Identity {
  privateKey: KeyObject;
  /** DER of the certificate whose public key matches the private key. */
  certificate: Uint8Array;
  /** DER of the other certificates in the file (issuing CAs), in file order. */
  chain: Uint8Array[];
}

const derOf = (node: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');

/**
 * Reads a PKCS#12 file as CAs hand them out (CFCA and others) and as `openssl pkcs12 -export`
 * writes them: RSA or ECDSA keys, in the legacy 3DES/SHA-1 form or PBES2 with AES-256 and an
 * HMAC-SHA-256 MAC, with any Unicode password. node-forge decrypts the bags; keys and certificates it cannot model (ECDSA)
 * are taken as DER and handed to node:crypto. Throws, saying why, for a wrong password, a damaged
 * file, or one without exactly one key and its certificate.
 */
export function readPkcs12(file: Uint8Array, password: string): Pkcs12Identity {
  const pfx = () => forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(file).toString('binary')));
  const cannotOpen = (error: unknown) => new Error(`the PKCS#12 file cannot be opened (${error instanceof Error ? error.message : String(error)}); check the password`);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(pfx(), true, password);
  } catch (error) {
    // PBES2 derives its key from the password's UTF-8 bytes, which node-forge gets right only for
    // ASCII. Its MAC (PKCS#12's own password form) is checked before anything is decrypted, so a
    // failure to decrypt means the MAC held: decrypt again, without the MAC, from the UTF-8 bytes.
    if (!/[^\x00-\x7f]/.test(password) || !/decrypt/i.test(error instanceof Error ? error.message : '')) throw cannotOpen(error);
    try {
      const withoutMac = pfx();
      (withoutMac.value as forge.asn1.Asn1[]).splice(2);
      p12 = forge.pkcs12.pkcs12FromAsn1(withoutMac, true, forge.util.encodeUtf8(password));
    } catch (retryError) {
      throw cannotOpen(retryError);
    }
  }
  const keys: KeyObject[] = [];
  for (const type of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
    for (const bag of p12.getBags({ bagType: type as string })[type as string] ?? []) {
      const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
      if (info) keys.push(createPrivateKey({ key: derOf(info), format: 'der', type: 'pkcs8' }));
    }
  }
  const certificates = (p12.getBags({ bagType: forge.pki.oids.certBag as string })[forge.pki.oids.certBag as string] ?? []).flatMap((bag) => {
    const node = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    return node ? [new Uint8Array(derOf(node))] : [];
  });
  if (keys.length !== 1) throw new Error(`the PKCS#12 file holds ${keys.length} private keys; import a file with exactly one`);
  const privateKey = keys[0] as KeyObject;
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const certificate = certificates.find((der) => new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }).equals(spki));
  if (!certificate) throw new Error('the PKCS#12 file holds no certificate for its private key');
  return { privateKey, certificate, chain: certificates.filter((der) => der !== certificate) };
}
