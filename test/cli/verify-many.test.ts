// `sdx verify` over many files and folders, as built: one line per file in the order given, a
// summary, JSON lines with --json, and the exit code of the worst outcome.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx, startSdx } from '../support/built-cli';
import { flipPageContentByte } from '../support/pdf-mutations';

jest.setTimeout(60_000);

const work = mkdtempSync(join(tmpdir(), 'sdx-verify-many-'));
const demoDir = join(work, 'demo');
const kinds = ['delivery-order', 'eir', 'telex-release-guarantee'];

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line !== '');
}

/** A folder holding the three demo PDFs, plus `extra` files by name. */
function folder(name: string, extra: Record<string, Uint8Array | string> = {}): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'nested'), { recursive: true });
  for (const kind of kinds) copyFileSync(join(demoDir, `${kind}.pdf`), join(dir, `${kind}.pdf`));
  for (const [file, bytes] of Object.entries(extra)) writeFileSync(join(dir, file), bytes);
  writeFileSync(join(dir, 'notes.txt'), 'not a pdf, and not named like one: skipped');
  return dir;
}

describe('sdx verify over many files', () => {
  beforeAll(() => {
    const demo = runSdx(['demo', '--out', demoDir]);
    expect(demo.code).toBe(0);
  });

  it('one file is verified on the tool\'s own thread; several, on a worker per core up to the number of files', () => {
    // Counts the worker threads the tool starts, from a module loaded before it.
    const counter = join(work, 'count-workers.js');
    writeFileSync(
      counter,
      `const threads = require('node:worker_threads');
if (threads.isMainThread) {
  let started = 0;
  const Worker = threads.Worker;
  threads.Worker = class extends Worker { constructor(...args) { super(...args); started += 1; } };
  process.on('exit', () => require('node:fs').writeSync(2, 'workers started: ' + started + '\\n'));
}`,
    );
    const env = { NODE_OPTIONS: `--require ${counter}` };
    const one = runSdx(['verify', join(demoDir, 'eir.pdf')], { env });
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('workers started: 0\n');
    const three = runSdx(['verify', folder('threads')], { env });
    expect(three.code).toBe(0);
    expect(three.stderr).toBe(`workers started: ${Math.min(3, availableParallelism())}\n`);
  });

  it('a folder of genuine PDFs: one ok line per .pdf below it (sorted), a summary, exit 0', () => {
    const dir = folder('all-valid', { 'nested/copy.PDF': readFileSync(join(demoDir, 'eir.pdf')) });
    const result = runSdx(['verify', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out.slice(0, -1).map((line) => line.slice(0, 5) + line.slice(dir.length + 6, line.indexOf(':')))).toEqual([
      'ok   delivery-order.pdf',
      'ok   eir.pdf',
      'ok   nested/copy.PDF',
      'ok   telex-release-guarantee.pdf',
    ]);
    expect(out.every((line, i) => i === out.length - 1 || line.includes(': VALID (ledger not consulted): '))).toBe(true);
    expect(out[out.length - 1]).toBe('4 files: 4 valid, 0 invalid, 0 unusable, 0 indeterminate');
  });

  it('the worst outcome decides the exit code: a forgery (1) outweighs input that cannot be verified (2)', () => {
    const unusable = folder('unusable', { 'nested/note.pdf': 'hello, not a pdf\n' });
    const withUnusable = runSdx(['verify', unusable]);
    expect(withUnusable.code).toBe(2);
    expect(lines(withUnusable.stdout)).toContain(`ERR  ${join(unusable, 'nested', 'note.pdf')}: CANNOT BE VERIFIED: the file is not a PDF [not-a-pdf]`);

    const forged = join(work, 'forged.pdf');
    writeFileSync(forged, flipPageContentByte(readFileSync(join(demoDir, 'eir.pdf'))));
    const withForgery = runSdx(['verify', unusable, forged, join(demoDir, 'eir.pdf')]);
    expect(withForgery.code).toBe(1);
    const out = lines(withForgery.stdout);
    // Files in the order given: the folder's four, then the forgery, then the genuine file.
    expect(out[4]).toMatch(new RegExp(`^FAIL ${forged}: FORGED OR CHANGED: .*\\[digest-mismatch\\]$`));
    expect(out[5]).toMatch(/^ok {3}.*eir\.pdf: VALID/);
    expect(out[6]).toBe('6 files: 4 valid, 1 invalid, 1 unusable, 0 indeterminate');
  });

  it('--json prints one parseable report per line, each naming its file; a missing path exits 2', () => {
    const dir = folder('json', { 'bad.pdf': 'not a pdf' });
    const result = runSdx(['verify', '--json', dir]);
    expect(result.code).toBe(2);
    const reports = lines(result.stdout).map((line) => JSON.parse(line) as { file: string; verdict: string; signatures: { role: string }[] });
    expect(reports.map((r) => [r.file, r.verdict])).toEqual([
      [join(dir, 'bad.pdf'), 'invalid'],
      [join(dir, 'delivery-order.pdf'), 'valid'],
      [join(dir, 'eir.pdf'), 'valid'],
      [join(dir, 'telex-release-guarantee.pdf'), 'valid'],
    ]);
    // The demo signs at B-LTA: document timestamps sit between and after the two parties' signatures.
    expect(reports[2]?.signatures.filter((s) => s.role !== 'timestamp').map((s) => s.role)).toEqual(['issuer', 'countersigner']);

    const missing = runSdx(['verify', dir, join(work, 'absent')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sdx verify: cannot read .*absent/);
  });

  it('a reader that stops after the first line ends it quietly, as a closed pipe ends a writer (exit 141, no stack trace)', async () => {
    const dir = folder('many-for-a-pipe');
    for (let i = 0; i < 40; i += 1) copyFileSync(join(demoDir, 'eir.pdf'), join(dir, 'nested', `copy-${i}.pdf`));
    const child = startSdx(['verify', dir]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });
});
