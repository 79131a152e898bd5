import { addressRange, type AddressRange } from './special-purpose-address.rule';

/** What a deployment lets SDX connect to on a party's behalf (webhook receivers). */
export interface DestinationPolicy {
  /** Loopback and private networks too: for tests and local development, never for a service. */
  allowPrivate: boolean;
}

/** The ranges `allowPrivate` opens: the machine itself and RFC 1918 / RFC 4193 networks. */
const privateRanges: ReadonlySet<AddressRange> = new Set<AddressRange>(['loopback', 'private', 'unique-local']);

/** Whether SDX may connect to `address` (text or bytes) under `policy`. */
export function addressPermitted(address: string | Uint8Array, policy: DestinationPolicy): boolean {
  const range = addressRange(address);
  return range === 'global' || (policy.allowPrivate && privateRanges.has(range));
}

/**
 * Names that point into the machine or its own network whatever DNS says: `localhost` and its
 * subdomains (RFC 6761), `.internal` (cloud metadata such as metadata.google.internal), `.local`
 * (mDNS), `.localdomain`, `.home.arpa` (RFC 8375), and single-label names, which a resolver
 * completes with its own search domains. A trailing dot changes nothing.
 */
const forbiddenSuffixes = ['localhost', 'localdomain', 'internal', 'local', 'home.arpa'];

export function hostNameForbidden(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '' || !name.includes('.')) return true;
  return forbiddenSuffixes.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}
