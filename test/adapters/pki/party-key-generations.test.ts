import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generationBase, generationsOf, listGenerations, parseGenerationBase } from '../../../src/adapters/pki/party-key-generations';

describe('party key generation file names', () => {
  it.each([
    ['demo-carrier', { partyId: 'demo-carrier', generation: 1 }],
    ['demo-carrier.2', { partyId: 'demo-carrier', generation: 2 }],
    ['demo-carrier.12', { partyId: 'demo-carrier', generation: 12 }],
    ['demo-carrier.1', undefined],
    ['demo-carrier.02', undefined],
    ['demo-carrier.key', undefined],
    ['../demo-carrier', undefined],
    ['Demo-Carrier', undefined],
  ])('when the base is %s, then it reads as %j', (base, expected) => {
    expect(parseGenerationBase(base)).toEqual(expected);
  });

  it('when a name is made for a generation, then it reads back as that generation', () => {
    for (const generation of [1, 2, 37]) expect(parseGenerationBase(generationBase('demo-terminal', generation))).toEqual({ partyId: 'demo-terminal', generation });
  });

  it('when a folder holds certificates, keys and other files, then each party lists its generations in order and keys are not certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-generations-'));
    try {
      for (const name of ['demo-carrier.pem', 'demo-carrier.key.pem', 'demo-carrier.10.pem', 'demo-carrier.2.pem', 'demo-terminal.pem', 'README.md', 'demo-carrier.1.pem']) {
        writeFileSync(join(dir, name), '');
      }
      expect(await generationsOf(dir, 'demo-carrier', '.pem')).toEqual([1, 2, 10]);
      expect(await generationsOf(dir, 'demo-carrier', '.key.pem')).toEqual([1]);
      expect(await generationsOf(dir, '../etc', '.pem')).toEqual([]);
      expect((await listGenerations(dir, '.pem')).map((g) => g.base)).toEqual(['demo-carrier', 'demo-carrier.2', 'demo-carrier.10', 'demo-terminal']);
      expect(await listGenerations(join(dir, 'absent'), '.pem')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
