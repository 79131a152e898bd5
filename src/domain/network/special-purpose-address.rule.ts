import { inPrefix, parseIp, parseIpv4, parseIpv6, type IpBytes } from './ip-address';

/**
 * Where an address lies, by the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890
 * and its updates) and the multicast ranges. `global` is the only range a connection to the open
 * internet may use; every other value names why not.
 */
export type AddressRange =
  | 'global'
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'ietf-protocol'
  | 'documentation'
  | 'benchmarking'
  | 'deprecated-relay'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'unique-local'
  | 'site-local'
  | 'discard'
  | 'orchid'
  | 'teredo'
  | 'ipv4-compatible'
  | 'nat64-local'
  | 'not-an-address';

interface Block {
  bytes: IpBytes;
  length: number;
  range: AddressRange | 'embedded-ipv4';
  /** For `embedded-ipv4`: the byte offset of the IPv4 address inside the IPv6 one. */
  at?: number;
}

function block(cidr: string, range: Block['range'], at?: number): Block {
  const [text = '', length = ''] = cidr.split('/');
  const bytes = parseIpv4(text) ?? parseIpv6(text);
  if (!bytes) throw new Error(`not a prefix: ${cidr}`);
  return { bytes, length: Number(length), range, ...(at !== undefined ? { at } : {}) };
}

/** First match wins: more specific blocks come before the blocks that contain them. */
const ipv4Blocks: readonly Block[] = [
  block('0.0.0.0/32', 'unspecified'),
  block('0.0.0.0/8', 'this-network'), // RFC 791
  block('10.0.0.0/8', 'private'), // RFC 1918
  block('100.64.0.0/10', 'shared'), // RFC 6598, carrier-grade NAT
  block('127.0.0.0/8', 'loopback'), // RFC 1122
  block('169.254.0.0/16', 'link-local'), // RFC 3927, cloud metadata at 169.254.169.254
  block('172.16.0.0/12', 'private'), // RFC 1918
  // RFC 6890: DS-Lite, PCP/TURN anycast, NAT64 discovery (192.0.0.170), 192.0.0.192 and the rest;
  // the two anycast addresses the registry calls global are no place for a webhook either.
  block('192.0.0.0/24', 'ietf-protocol'),
  block('192.0.2.0/24', 'documentation'), // TEST-NET-1, RFC 5737
  block('192.88.99.0/24', 'deprecated-relay'), // 6to4 relay anycast, RFC 7526
  block('192.168.0.0/16', 'private'), // RFC 1918
  block('198.18.0.0/15', 'benchmarking'), // RFC 2544
  block('198.51.100.0/24', 'documentation'), // TEST-NET-2
  block('203.0.113.0/24', 'documentation'), // TEST-NET-3
  block('224.0.0.0/4', 'multicast'), // RFC 5771
  block('255.255.255.255/32', 'broadcast'), // RFC 919
  block('240.0.0.0/4', 'reserved'), // RFC 1112
];

const ipv6Blocks: readonly Block[] = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  block('::ffff:0:0/96', 'embedded-ipv4', 12), // IPv4-mapped, RFC 4291
  block('::/96', 'ipv4-compatible'), // deprecated by RFC 4291: no use but reaching an IPv4 host sideways
  block('64:ff9b::/96', 'embedded-ipv4', 12), // NAT64 well-known prefix, RFC 6052
  block('64:ff9b:1::/48', 'nat64-local'), // local-use NAT64, RFC 8215: not globally reachable
  block('100::/64', 'discard'), // RFC 6666
  block('2001::/32', 'teredo'), // RFC 4380: the tunnel's far end is not ours to judge
  block('2001:2::/48', 'benchmarking'), // RFC 5180
  block('2001:10::/28', 'orchid'), // RFC 4843, deprecated
  block('2001:20::/28', 'orchid'), // ORCHIDv2, RFC 7343: identifiers, not locators
  block('2001::/23', 'ietf-protocol'), // RFC 2928: AMT, AS112, DRIP and other protocol blocks
  block('2001:db8::/32', 'documentation'), // RFC 3849
  block('3fff::/20', 'documentation'), // RFC 9637
  block('2002::/16', 'embedded-ipv4', 2), // 6to4, RFC 3056
  block('fc00::/7', 'unique-local'), // RFC 4193
  block('fe80::/10', 'link-local'), // RFC 4291
  block('fec0::/10', 'site-local'), // RFC 3879, deprecated
  block('ff00::/8', 'multicast'), // RFC 4291
];

/** Global unicast IPv6 is allocated from 2000::/3 only; the rest of the space is reserved. */
const ipv6GlobalUnicast = block('2000::/3', 'global');

function rangeOfIpv4(bytes: IpBytes): AddressRange {
  for (const b of ipv4Blocks) if (inPrefix(bytes, b.bytes, b.length) && b.range !== 'embedded-ipv4') return b.range;
  return 'global';
}

function rangeOfIpv6(bytes: IpBytes): AddressRange {
  for (const b of ipv6Blocks) {
    if (!inPrefix(bytes, b.bytes, b.length)) continue;
    if (b.range !== 'embedded-ipv4') return b.range;
    const at = b.at ?? 12;
    return rangeOfIpv4(bytes.slice(at, at + 4));
  }
  return inPrefix(bytes, ipv6GlobalUnicast.bytes, ipv6GlobalUnicast.length) ? 'global' : 'reserved';
}

/**
 * The range of an address given as text (dotted-decimal IPv4, IPv6 with or without brackets) or as
 * 4 or 16 bytes. An IPv4 address inside an IPv6 one (mapped, NAT64, 6to4) is judged as that IPv4
 * address; IPv4-compatible, local-use NAT64 and Teredo addresses are never global.
 */
export function addressRange(address: string | Uint8Array): AddressRange {
  const bytes = typeof address === 'string' ? parseIp(address) : address;
  if (bytes?.length === 4) return rangeOfIpv4(bytes);
  if (bytes?.length === 16) return rangeOfIpv6(bytes);
  return 'not-an-address';
}

export function isGlobalAddress(address: string | Uint8Array): boolean {
  return addressRange(address) === 'global';
}
