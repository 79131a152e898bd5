// `sdx import` as built, against the built `sdx serve --demo` on a SQLite file: thousands of EIRs,
// a rerun, a run killed with SIGKILL and rerun, invalid lines, a CSV of the same payloads, a write
// rate limit answered with 429 and Retry-After. `npm test` imports LINES EIRs; `npm run test:stress`
// (SDX_STRESS=1) imports 5,000.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { importCommand } from '../../src/cli/import.command';
import { containerCheckDigit } from '../../src/domain/shared/iso6346';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { exampleJson } from '../support/examples';
import { settingsOrThrow } from '../../src/settings';

const LINES = process.env.SDX_STRESS ? 5000 : 120;
/** The killed import's file, and how many lines are answered when it is killed. */
const KILL_LINES = process.env.SDX_STRESS ? 5000 : 100;
const KILL_AFTER = Math.round(KILL_LINES / 5);
const TERMINAL_KEY = 'sdx_demo_terminal_a61f0e';
const STARTUP_MS = 30_000;
/** Far below any throughput seen, so that a slow machine still finishes (bounds every run). */
const IMPORT_MS = 60_000 + Math.max(LINES, KILL_LINES) * 250;

const dir = mkdtempSync(join(tmpdir(), 'sdx-import-'));
/** Everything any run printed: the key must appear in none of it. */
const printed: string[] = [];

interface Server {
  child: ChildProcessWithoutNullStreams;
  url: string;
  db: string;
}

/** PDFs on two worker threads; writes unlimited (the rate-limit test starts its own server). */
async function startServer(name: string, env: NodeJS.ProcessEnv = { SDX_WRITE_RATE: '0' }): Promise<Server> {
  const db = join(dir, `${name}.sqlite`);
  const child = startSdx(['serve', '--demo', '--port', '0', '--db', db], { SDX_PDF_WORKERS: '2', SDX_STORE: '', SDX_MONGO_URI: '', ...env });
  const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/, STARTUP_MS);
  return { child, url: String(url), db };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await exitOf(server.child, STARTUP_MS);
}

/** EIR `${prefix}-000001`... with distinct ISO 6346 container numbers, as JSON lines. */
function eirPayloads(prefix: string, count: number, from = 0): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const payload = exampleJson('eir');
    const firstTen = `TGHU${String(n).padStart(6, '0')}`;
    payload['eirNumber'] = `${prefix}-${String(n).padStart(6, '0')}`;
    (payload['container'] as Record<string, unknown>)['number'] = `${firstTen}${containerCheckDigit(firstTen)}`;
    return payload;
  });
}

function writeLines(name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The stored EIRs whose number starts with `prefix`: how many, and how many distinct numbers. */
function storedEirs(server: Server, prefix: string): { documents: number; numbers: number } {
  const db = new Database(server.db, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT COUNT(*) AS documents, COUNT(DISTINCT json_extract(payload, '$.eirNumber')) AS numbers
         FROM documents WHERE kind = 'eir' AND json_extract(payload, '$.eirNumber') LIKE ? || '-%'`,
      )
      .get(prefix) as { documents: number; numbers: number };
  } finally {
    db.close();
  }
}

function allDocuments(server: Server): number {
  const db = new Database(server.db, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface ImportRun {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  finished: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startImport(file: string, url: string, extra: string[] = [], key = TERMINAL_KEY): ImportRun {
  const child = startSdx(['import', '--kind', 'eir', file, '--url', url, ...extra], { SDX_API_KEY: key });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const finished = exitOf(child, IMPORT_MS).then((code) => {
    printed.push(stdout, stderr);
    return { code, stdout, stderr };
  });
  return { child, stderr: () => stderr, finished };
}

const runImport = (file: string, url: string, extra: string[] = [], key?: string) => startImport(file, url, extra, key).finished;

/** `FILE: N eir lines: I issued, A already there, F failed ... in S s (R lines/s...)`. */
function summaryOf(stdout: string) {
  const match = /: (\d+) eir lines: (\d+) issued, (\d+) already there, (\d+) failed(?:, (\d+) not sent)? in ([\d.]+) s \(([\d.]+) lines\/s(?:, (\d+) retries)?\)$/m.exec(stdout);
  if (!match) throw new Error(`no summary in:\n${stdout}`);
  const at = (group: number) => Number(match[group] ?? 0);
  return { lines: at(1), issued: at(2), already: at(3), failed: at(4), notSent: at(5), seconds: at(6), rate: at(7), retries: at(8) };
}

let server: Server;
let bulk: { file: string; payloads: Record<string, unknown>[] };

beforeAll(async () => {
  server = await startServer('bulk');
  const payloads = eirPayloads('EIR-IMP-A', LINES);
  bulk = { file: writeLines('bulk.jsonl', payloads.map((p) => JSON.stringify(p))), payloads };
}, STARTUP_MS + 5_000);

afterAll(async () => {
  await stopServer(server);
  for (const text of printed) expect(text).not.toContain(TERMINAL_KEY);
  rmSync(dir, { recursive: true, force: true });
}, STARTUP_MS + 5_000);

describe('sdx import', () => {
  it('when 3 of 20 lines are invalid, then each is reported by its line number, it exits 1 and sends nothing', async () => {
    const lines = eirPayloads('EIR-IMP-BAD', 20).map((p) => JSON.stringify(p));
    const badCheckDigit = eirPayloads('EIR-IMP-BAD', 1, 90)[0] as Record<string, unknown>;
    (badCheckDigit['container'] as Record<string, unknown>)['number'] = 'CSQU3054384';
    const noWindowEnd = eirPayloads('EIR-IMP-BAD', 1, 91)[0] as Record<string, unknown>;
    delete noWindowEnd['validUntil'];
    lines[3] = JSON.stringify(badCheckDigit);
    lines[8] = JSON.stringify(noWindowEnd);
    lines[11] = '';
    lines[14] = lines[14]?.slice(0, 40) ?? '';
    const before = allDocuments(server);

    const result = await runImport(writeLines('bad.jsonl', lines), server.url);
    expect(result.stdout.trim().split('\n')).toEqual([
      'line 4: container.number: ISO 6346 check digit is wrong for CSQU3054384 [container-check-digit]',
      'line 9: validUntil: is required [required]',
      'line 15: (root): not valid JSON (one payload per line) [invalid-json]',
    ]);
    expect(result.stderr.trim()).toBe(`${join(dir, 'bad.jsonl')}: 3 of 19 lines invalid; nothing sent`);
    expect(result.code).toBe(1);
    expect(allDocuments(server)).toBe(before);
  });

  it('when one line\'s EIR number hides a right-to-left override, then that line is named with the path and U+202E, it exits 1 and sends nothing', async () => {
    const payloads = eirPayloads('EIR-IMP-BIDI', 3);
    const deceptive = payloads[1] as Record<string, unknown>;
    // Shows as "EIR-IMP-BIDI-4711" wherever the override is obeyed.
    deceptive['eirNumber'] = 'EIR-IMP-BIDI-\u202e1174';
    const before = allDocuments(server);

    const result = await runImport(writeLines('bidi.jsonl', payloads.map((p) => JSON.stringify(p))), server.url);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^line 2: eirNumber: contains U\+202E \(direction control\) at character 14; .* \[forbidden-character\]$/),
    ]);
    expect(result.stderr.trim()).toBe(`${join(dir, 'bidi.jsonl')}: 1 of 3 lines invalid; nothing sent`);
    expect(result.code).toBe(1);
    expect(allDocuments(server)).toBe(before);
  });

  it(`imports ${LINES} EIRs, and a rerun of the same file issues nothing new`, async () => {
    const first = await runImport(bulk.file, server.url);
    expect({ code: first.code, stdout: first.stdout }).toEqual({ code: 0, stdout: expect.stringContaining(`${LINES} issued, 0 already there, 0 failed`) });
    const issued = summaryOf(first.stdout);
    // Not a terminal: a progress line each tenth, the last at 100 %.
    expect(first.stderr.trim().split('\n')).toHaveLength(10);
    expect(first.stderr).toContain(`sent ${LINES}/${LINES} lines (100%)`);
    expect(storedEirs(server, 'EIR-IMP-A')).toEqual({ documents: LINES, numbers: LINES });
    const total = allDocuments(server);

    const rerun = await runImport(bulk.file, server.url);
    expect(rerun.code).toBe(0);
    const repeated = summaryOf(rerun.stdout);
    expect(repeated).toMatchObject({ lines: LINES, issued: 0, already: LINES, failed: 0 });
    expect(allDocuments(server)).toBe(total);
    process.stdout.write(
      `sdx import: ${LINES} EIRs issued in ${issued.seconds} s (${issued.rate} lines/s, concurrency 8, 2 PDF workers); ` +
        `rerun: ${repeated.seconds} s (${repeated.rate} lines/s), 0 new\n`,
    );
  }, 2 * IMPORT_MS);

  it('a CSV of the same payloads names the same documents; quoted cells may hold commas, quotes and line breaks', async () => {
    const known = bulk.payloads.slice(0, 10);
    const fresh = eirPayloads('EIR-IMP-CSV', 2);
    (fresh[0] as Record<string, unknown>)['remarks'] = 'Seal intact, "as agreed".\nSecond line';
    const before = allDocuments(server);

    const result = await runImport(writeLines('eirs.csv', csvOf([...known, ...fresh])), server.url);
    expect(result.stdout).toMatch(/: 12 eir lines: 2 issued, 10 already there, 0 failed in /);
    expect(result.code).toBe(0);
    expect(allDocuments(server)).toBe(before + 2);
    const db = new Database(server.db, { readonly: true });
    try {
      const row = db.prepare(`SELECT json_extract(payload, '$.remarks') AS remarks FROM documents WHERE json_extract(payload, '$.eirNumber') = ?`).get('EIR-IMP-CSV-000000');
      expect(row).toEqual({ remarks: 'Seal intact, "as agreed".\nSecond line' });
    } finally {
      db.close();
    }
  }, IMPORT_MS);

  it(`when the import is killed with SIGKILL after ${KILL_AFTER} answers, then a rerun leaves exactly ${KILL_LINES} documents`, async () => {
    const file = writeLines('killed.jsonl', eirPayloads('EIR-IMP-K', KILL_LINES).map((p) => JSON.stringify(p)));
    const run = startImport(file, server.url);
    const answered = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress to ${KILL_AFTER} lines:\n${run.stderr()}`)), IMPORT_MS);
      const onData = () => {
        const counts = [...run.stderr().matchAll(/sent (\d+)\//g)].map((m) => Number(m[1]));
        const done = Math.max(0, ...counts);
        if (done < KILL_AFTER) return;
        clearTimeout(timer);
        run.child.stderr.off('data', onData);
        run.child.kill('SIGKILL');
        resolve(done);
      };
      run.child.stderr.on('data', onData);
    });
    await run.finished;
    expect(run.child.signalCode).toBe('SIGKILL');
    expect(storedEirs(server, 'EIR-IMP-K').documents).toBeGreaterThanOrEqual(answered);

    const rerun = await runImport(file, server.url);
    expect(rerun.code).toBe(0);
    const summary = summaryOf(rerun.stdout);
    expect(summary).toMatchObject({ lines: KILL_LINES, issued: KILL_LINES - summary.already, failed: 0 });
    // Besides what was answered, the server may have finished the requests in flight at the kill.
    expect(summary.already).toBeGreaterThanOrEqual(answered);
    expect(summary.issued).toBeGreaterThan(0);
    expect(storedEirs(server, 'EIR-IMP-K')).toEqual({ documents: KILL_LINES, numbers: KILL_LINES });
    process.stdout.write(`sdx import killed after ${answered} answered lines; the rerun found ${summary.already} and issued ${summary.issued}\n`);
  }, 3 * IMPORT_MS);

  it('when the key may write only 5 a second, then 429 answers are waited out for their Retry-After and every line is issued', async () => {
    const limited = await startServer('limited', { SDX_WRITE_RATE: '5', SDX_WRITE_BURST: '5' });
    try {
      const file = writeLines('limited.jsonl', eirPayloads('EIR-IMP-RL', 15).map((p) => JSON.stringify(p)));
      const result = await runImport(file, limited.url);
      expect(result.code).toBe(0);
      const summary = summaryOf(result.stdout);
      expect(summary).toMatchObject({ issued: 15, already: 0, failed: 0 });
      expect(summary.retries).toBeGreaterThan(0);
      // 5 at once, then 5 a second: the last of 15 cannot be issued before 2 s.
      expect(summary.seconds).toBeGreaterThanOrEqual(1.9);
      expect(storedEirs(limited, 'EIR-IMP-RL')).toEqual({ documents: 15, numbers: 15 });
    } finally {
      await stopServer(limited);
    }
  }, IMPORT_MS);

  it('when the server refuses the key, then it stops at once with exit 1 and never prints the key', async () => {
    const wrongKey = 'sdx_demo_terminal_000000';
    const file = writeLines('wrong-key.jsonl', eirPayloads('EIR-IMP-KEY', 3).map((p) => JSON.stringify(p)));
    const result = await runImport(file, server.url, ['--concurrency', '1'], wrongKey);
    expect(result.stderr).toMatch(/^sdx import: stopped: the server refused the API key: 401 .*; once that is fixed, the same command sends what is missing$/m);
    expect(summaryOf(result.stdout)).toMatchObject({ issued: 0, failed: 0, notSent: 3 });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
  });

  it('refuses unusable input with a one-line reason and exit 2', async () => {
    const file = writeLines('one.jsonl', [JSON.stringify(bulk.payloads[0])]);
    // Through the built CLI once, to see the command wired in.
    const missingKey = runSdx(['import', '--kind', 'eir', file, '--url', server.url], { env: { SDX_API_KEY: '' } });
    expect({ code: missingKey.code, stderr: missingKey.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^usage: sdx import /) });
    const cases: [string[], RegExp][] = [
      [['--kind', 'bill', file], /^sdx import: unknown document kind "bill"/],
      [['--kind', 'eir', join(dir, 'missing.jsonl')], /^sdx import: .*missing\.jsonl: no such file$/],
      [['--kind', 'eir', join(dir, 'eirs.txt')], /^sdx import: .*eirs\.txt: name the file \.jsonl .* or \.csv$/],
      [['--kind', 'eir', file, '--url', 'localhost:8080'], /^sdx import: --url must be the service's http\(s\) address/],
      [['--kind', 'eir', file, '--concurrency', '0'], /^sdx import: --concurrency must be a whole number from 1 to 64/],
      [['--kind', 'eir', file, '--verbose'], /^sdx import: Unknown option '--verbose'/],
    ];
    for (const [args, reason] of cases) {
      const said: string[] = [];
      const io = { out: (line: string) => said.push(line), err: (line: string) => said.push(line) };
      const withDefaults = args.includes('--url') ? args : [...args, '--url', server.url];
      const code = await importCommand(withDefaults, io, settingsOrThrow({ SDX_API_KEY: 'k' }));
      expect({ args, code, said: said.join('\n') }).toEqual({ args, code: 2, said: expect.stringMatching(reason) });
    }
  });
});

/** The payloads as CSV with the documented mapping: dotted paths, [i] for arrays, :number for numbers. */
function csvOf(payloads: readonly Record<string, unknown>[]): string[] {
  const columns = new Map<string, string>();
  const rows = payloads.map((payload) => {
    const cells = new Map<string, string>();
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (typeof value === 'object' && value !== null) for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
      else {
        columns.set(path, typeof value === 'number' ? `${path}:number` : typeof value === 'boolean' ? `${path}:boolean` : path);
        cells.set(path, String(value));
      }
    };
    walk(payload, '');
    return cells;
  });
  const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return [[...columns.values()].join(','), ...rows.map((cells) => [...columns.keys()].map((path) => quote(cells.get(path) ?? '')).join(','))];
}
