import { generateKeyPairSync } from 'node:crypto';
import { parsePeers } from '../../../src/domain/federation/peers';

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

describe('SDX_PEERS_FILE', () => {
  it('reads peers with a pinned key or a JWKS URL, URLs without a trailing slash', () => {
    const peers = parsePeers(
      [
        { code: 'PORT', url: 'https://port.example/', jwk },
        { code: 'CAR1', url: 'http://127.0.0.1:8081', jwksUrl: 'http://127.0.0.1:8081/.well-known/jwks.json', x5c: ['MIIB'], parties: ['demo-agent-sha'], carriers: ['POCL'] },
      ],
      'SDX',
    );
    expect(peers.map((p) => [p.code, p.url, p.parties, p.carriers])).toEqual([
      ['PORT', 'https://port.example', undefined, undefined],
      ['CAR1', 'http://127.0.0.1:8081', ['demo-agent-sha'], ['POCL']],
    ]);
  });

  it.each([
    ['neither a key nor a JWKS URL', [{ code: 'PORT', url: 'https://port.example' }], 'exactly one of jwk'],
    ['both a key and a JWKS URL', [{ code: 'PORT', url: 'https://port.example', jwk, jwksUrl: 'https://port.example/k' }], 'exactly one of jwk'],
    ['an RSA key', [{ code: 'PORT', url: 'https://port.example', jwk: { kty: 'RSA', n: 'x', e: 'AQAB' } }], '0.jwk'],
    ['a lowercase code', [{ code: 'port', url: 'https://port.example', jwk }], '0.code'],
    ['a relative URL', [{ code: 'PORT', url: '/pint', jwk }], '0.url'],
    ['a carrier that is no SCAC', [{ code: 'PORT', url: 'https://port.example', jwk, carriers: ['pocl'] }], '0.carriers.0'],
    ['a party id that is not a string', [{ code: 'PORT', url: 'https://port.example', jwk, parties: [7] }], '0.parties.0'],
    ['an unknown field', [{ code: 'PORT', url: 'https://port.example', jwk, secret: 'x' }], 'secret'],
    ['the own code', [{ code: 'SDX', url: 'https://port.example', jwk }], "this platform's own code"],
    ['one code twice', [{ code: 'PORT', url: 'https://a.example', jwk }, { code: 'PORT', url: 'https://b.example', jwk }], 'listed twice'],
    ['an object instead of a list', { code: 'PORT' }, '(root)'],
  ])('refuses %s, naming where', (_what, value, named) => {
    expect(() => parsePeers(value, 'SDX')).toThrow(named);
  });
});
