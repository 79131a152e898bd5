import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalHash, canonicalize } from '../../../src/domain/shared/canonical-json';
import { SdxError } from '../../../src/domain/shared/errors';

const vectors = join(__dirname, '../../vectors/rfc8785-jcs');
const names = readdirSync(join(vectors, 'input')).filter((f) => f.endsWith('.json'));

describe('RFC 8785 canonicalisation', () => {
  it('has vectors to run', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each(names)('turns %s into the published canonical text and bytes', (name) => {
    const input: unknown = JSON.parse(readFileSync(join(vectors, 'input', name), 'utf8'));
    const expected = readFileSync(join(vectors, 'output', name), 'utf8').replace(/\n$/, '');
    const hex = readFileSync(join(vectors, 'outhex', name.replace(/\.json$/, '.txt')), 'utf8')
      .replace(/\s+/g, '');
    const actual = canonicalize(input);
    expect(actual).toBe(expected);
    expect(Buffer.from(actual, 'utf8').toString('hex')).toBe(hex);
  });

  it('gives the same hash whatever the key order', () => {
    expect(canonicalHash({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(canonicalHash({ a: [1, { c: 3, d: 2 }], b: 1 }));
    expect(canonicalHash({ a: 1 })).not.toBe(canonicalHash({ a: 2 }));
  });

  it('serialises numbers the ECMAScript way', () => {
    expect(canonicalize([1e21, 1e-7, -0, 0.1 + 0.2, 9007199254740993])).toBe(
      '[1e+21,1e-7,0,0.30000000000000004,9007199254740992]',
    );
  });

  it.each([
    ['NaN', { a: Number.NaN }, 'a'],
    ['Infinity', { a: [Number.POSITIVE_INFINITY] }, 'a[0]'],
    ['a lone surrogate', { s: '\ud800x' }, 's'],
    ['a function', { f: () => 1 }, 'f'],
  ])('refuses %s and names where it is', (_label, value, path) => {
    expect(() => canonicalize(value)).toThrow(SdxError);
    expect(() => canonicalize(value)).toThrow(new RegExp(`^${path.replace(/[[\]]/g, '\\$&')}:`));
  });
});
