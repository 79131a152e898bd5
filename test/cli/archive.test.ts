// sdx archive renew on files: a B-LTA demo file whose newest timestamp expires within the window
// gets one more DSS and document timestamp in place and still verifies; one not due is untouched.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx } from '../support/built-cli';

jest.setTimeout(60_000);

const out = join(mkdtempSync(join(tmpdir(), 'sdx-archive-')), 'demo');

beforeAll(() => {
  expect(runSdx(['demo', '--out', out]).code).toBe(0);
});

describe('sdx archive renew', () => {
  it('when the newest timestamp is not within the window, then the file is left as it was', () => {
    const file = join(out, 'eir.pdf');
    const before = readFileSync(file);
    const result = runSdx(['archive', 'renew', file, '--before', '1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^not due .*eir\.pdf: its newest timestamp's TSA certificate expires 2036-01-01T00:00:00\.000Z/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('when it is within the window, then a DSS and a new document timestamp are appended in place, and the file still verifies', () => {
    const file = join(out, 'delivery-order.pdf');
    const before = readFileSync(file);
    const result = runSdx(['archive', 'renew', file, '--before', '36500']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^renewed .*delivery-order\.pdf: .* within 36500 days/);
    const after = readFileSync(file);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    const verified = runSdx(['verify', file, '--json']);
    expect(verified.code).toBe(0);
    const report = JSON.parse(verified.stdout) as { signatures: { role: string | null }[] };
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp', 'timestamp']);
  });

  it('when --before is not a number of days, then exit 2', () => {
    expect(runSdx(['archive', 'renew', join(out, 'eir.pdf'), '--before', 'soon']).code).toBe(2);
  });
});
