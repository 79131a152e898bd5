import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatePasses } from '../../src/application/gate-passes';
import { toLowS, type PassClaims } from '../../src/domain/gate/gate-pass';
import { certsDevPath } from './certs-dev';

/** The order of the P-256 group. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The certs-dev pass key a test app signs passes with. */
export function devPassKey(): KeyObject {
  return createPrivateKey(readFileSync(certsDevPath('gate-pass.key.pem'), 'utf8'));
}

/** Passes as the test app makes them (certs-dev key). */
export function devPasses(): GatePasses {
  return new GatePasses({ signing: devPassKey() });
}

/** The key id the published set gives `key`. */
export function kidOf(key: KeyObject): string {
  return new GatePasses({ signing: key }).trustList(new Date()).keys[0]?.kid ?? '';
}

/**
 * Signs any header and body with `key`, low-S, as the service would if it wrote them: a crafted pass
 * that fails only on what it was crafted for.
 */
export function resign(key: KeyObject, header: Record<string, unknown>, claims: PassClaims | Record<string, unknown>): string {
  const input = `${b64u(header)}.${b64u(claims)}`;
  const signature = toLowS(sign('sha256', Buffer.from(input, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** A pass with claims of the test's choosing, signed with the deployment's (certs-dev) key. */
export function craftedPass(claims: PassClaims): string {
  const key = devPassKey();
  return resign(key, { alg: 'ES256', kid: kidOf(key) }, claims);
}

/** The same token with its signature's high-S twin (r, n − s): as valid to plain ECDSA, a second encoding. */
export function highS(token: string): string {
  const [header = '', body = '', signature = ''] = token.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const twin = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${body}.${Buffer.concat([bytes.subarray(0, 32), twin]).toString('base64url')}`;
}
