import { formatPartyAddress, isLocalAddress, isPlatformCode, parsePartyAddress } from '../../../src/domain/federation/platform-address';

describe('<platform>:<party> addresses', () => {
  it('reads a party on a peer and a bare local party, and writes them back the same', () => {
    expect(parsePartyAddress('PORT:demo-consignee')).toEqual({ platform: 'PORT', party: 'demo-consignee' });
    expect(parsePartyAddress('demo-consignee')).toEqual({ party: 'demo-consignee' });
    for (const text of ['PORT:demo-consignee', 'demo-consignee', 'A1:x1']) {
      const address = parsePartyAddress(text);
      expect(address && formatPartyAddress(address)).toBe(text);
    }
  });

  it.each([
    ['a lowercase platform code', 'port:demo-consignee'],
    ['a platform code longer than PINT allows', 'PORTS:demo-consignee'],
    ['a one-character platform code', 'P:demo-consignee'],
    ['an empty party', 'PORT:'],
    ['a party id that is not one', 'PORT:Demo Consignee'],
    ['two colons', 'PORT:SDX:demo-consignee'],
    ['nothing', ''],
  ])('refuses %s', (_what, text) => {
    expect(parsePartyAddress(text)).toBeUndefined();
  });

  it('tells local parties (bare or under the own code) from a peer’s', () => {
    const own = 'SDX';
    expect(isLocalAddress({ party: 'a1' }, own)).toBe(true);
    expect(isLocalAddress({ platform: 'SDX', party: 'a1' }, own)).toBe(true);
    expect(isLocalAddress({ platform: 'PORT', party: 'a1' }, own)).toBe(false);
  });

  it('takes platform codes as PINT’s eblPlatform does, in capitals', () => {
    expect(['SDX', 'PORT', 'B2', 'WAVE'].every(isPlatformCode)).toBe(true);
    expect(['sdx', 'PORT1', 'S', 'S X', ''].some(isPlatformCode)).toBe(false);
  });
});
