import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentKinds } from '../../src/domain/document/document';
import { runSdx } from '../support/built-cli';
import { examplePath, exampleWith } from '../support/examples';

const dir = mkdtempSync(join(tmpdir(), 'sdx-validate-'));

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('sdx validate', () => {
  it.each(documentKinds)('accepts the %s example and exits 0', (kind) => {
    const result = runSdx(['validate', kind, examplePath(kind)]);
    expect(result.stdout).toMatch(new RegExp(`valid ${kind}, payload sha256 [0-9a-f]{64}`));
    expect(result.code).toBe(0);
  });

  it('rejects a bad ISO 6346 check digit, naming the field, and exits 1', () => {
    const file = writeJson('bad-container.json', exampleWith('eir', { 'container.number': 'CSQU3054384' }));
    const result = runSdx(['validate', 'eir', file]);
    expect(result.stdout).toContain('container.number: ISO 6346 check digit is wrong for CSQU3054384 [container-check-digit]');
    expect(result.stderr).toContain('not a valid eir (1 problem)');
    expect(result.code).toBe(1);
  });

  it('prints every problem on its own line', () => {
    const file = writeJson('several.json', exampleWith('delivery-order', { 'containers[0].sizeType': '45X1', chargesPaid: 'yes' }));
    const result = runSdx(['validate', 'delivery-order', file]);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^containers\[0\]\.sizeType: .*\[size-type-code\]$/),
      expect.stringMatching(/^chargesPaid: .*\[invalid-type\]$/),
    ]);
    expect(result.code).toBe(1);
  });

  it('exits 2 with a one-line reason when the file is missing, not JSON, or the kind is unknown', () => {
    const notJson = writeJson('not-json.json', '{"eirNumber": ');
    const cases = [
      [['validate', 'eir', join(dir, 'nope.json')], /no such file/],
      [['validate', 'eir', notJson], /not valid JSON/],
      [['validate', 'bill-of-lading', notJson], /unknown document kind "bill-of-lading"/],
      [['validate', 'eir'], /usage: sdx validate/],
    ] as const;
    for (const [args, reason] of cases) {
      const result = runSdx([...args]);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.code).toBe(2);
    }
  });

  it('exits 2 on an unknown command', () => {
    const result = runSdx(['frobnicate']);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
    expect(result.code).toBe(2);
  });
});
