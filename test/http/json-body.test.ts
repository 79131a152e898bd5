import { findDuplicateName } from '../../src/http/json-body';

describe('findDuplicateName', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1,"b":{"c":1,"c":2}}', 'b.c'],
    ['[{"a":1},{"a":1,"a":2}]', '[1].a'],
    ['{"list":[1,[2,{"x":0,"x":0}]]}', 'list[1][1].x'],
    ['{"to":"x","t\\u006f":"y"}', 'to'],
    ['{"__proto__":1,"__proto__":2}', '__proto__'],
    ['{ "a" : 1 ,\n "a" : 2 }', 'a'],
    ['{"":1,"":2}', ''],
  ])('%s repeats %s', (text, path) => {
    expect(findDuplicateName(text)).toBe(path);
  });

  it.each([
    '{"a":1,"b":2}',
    '{"a":{"a":{"a":1}}}',
    '[{"a":1},{"a":2}]',
    '{"a":"a","b":"a"}',
    '{"a":"{\\"a\\":1,\\"a\\":2}"}',
    '{"a\\"":1,"a":2}',
    '{"a":["}",{"a":1}],"b":"]"}',
    '{"a\\\\":1,"a":2}',
    '[]',
    '{}',
    '"a"',
    '',
  ])('%s has none', (text) => {
    expect(findDuplicateName(text)).toBeUndefined();
  });

  it('reads 100,000 levels of nesting without recursion, in one pass', () => {
    const depth = 100_000;
    expect(findDuplicateName('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))).toBeUndefined();
    expect(findDuplicateName('{"a":'.repeat(depth) + '{"b":1,"b":2}' + '}'.repeat(depth))).toMatch(/^(a\.){100000}b$/);
  });

  it('a megabyte of members with distinct names holds no duplicate', () => {
    const text = `{${Array.from({ length: 60_000 }, (_, i) => `"member-${i}":${i}`).join(',')}}`;
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(findDuplicateName(text)).toBeUndefined();
  });
});
