import { readFileSync } from 'node:fs';
import { isIP, SocketAddress } from 'node:net';
import { join } from 'node:path';
import { parseIp } from '../../../src/domain/network/ip-address';
import { addressRange, isGlobalAddress, type AddressRange } from '../../../src/domain/network/special-purpose-address.rule';

interface Case {
  address: string;
  range: AddressRange;
  source: string;
}

const { cases } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'vectors', 'iana-special-purpose', 'addresses.json'), 'utf8')) as { cases: Case[] };

describe('the special-purpose address classifier', () => {
  it('has vectors for every range it can name', () => {
    const named = new Set(cases.map((c) => c.range));
    for (const range of ['global', 'unspecified', 'this-network', 'loopback', 'private', 'shared', 'link-local', 'ietf-protocol', 'documentation', 'benchmarking', 'deprecated-relay', 'multicast', 'broadcast', 'reserved', 'unique-local', 'site-local', 'discard', 'orchid', 'teredo', 'ipv4-compatible', 'nat64-local', 'not-an-address'] satisfies AddressRange[]) {
      expect(named).toContain(range);
    }
  });

  it.each(cases.map((c) => [c.address, c.range, c.source] as const))('%s is %s (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isGlobalAddress(address)).toBe(range === 'global');
  });

  it.each(cases.filter((c) => c.range !== 'not-an-address').map((c) => [c.address, c.range] as const))('%s given as bytes is %s too', (address, range) => {
    const bytes = parseIp(address);
    expect(bytes).toBeDefined();
    expect(addressRange(bytes ?? new Uint8Array())).toBe(range);
  });

  it('reads text as Node does: what it parses is what net.isIP calls an address, and the bytes agree', () => {
    for (const { address } of cases) {
      const bare = address.replace(/^\[(.*)\]$/, '$1');
      const bytes = parseIp(bare);
      expect([address, bytes !== undefined]).toEqual([address, isIP(bare) !== 0]);
      if (!bytes) continue;
      // SocketAddress prints its canonical form; parsing that gives the same bytes.
      const canonical = new SocketAddress({ address: bare.replace(/%.*$/, ''), family: bytes.length === 4 ? 'ipv4' : 'ipv6' }).address;
      expect(parseIp(canonical)).toEqual(bytes);
    }
  });

  it('calls byte strings of other lengths no address', () => {
    for (const length of [0, 3, 5, 15, 17]) expect(addressRange(new Uint8Array(length))).toBe('not-an-address');
  });
});
