import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { documentKinds, isDocumentKind, type DocumentKind } from '../domain/document/document';
import { validatePayload } from '../domain/document/document-kinds';
import { canonicalHash } from '../domain/shared/canonical-json';
import type { ValidationIssue } from '../domain/shared/errors';
import type { CliIo } from './cli-io';
import { DocumentIssueClient, type IssueOutcome } from './import-client';
import { importFormatOf, importRecords, type ImportRecord } from './import-file';
import type { Settings } from '../settings';
import { ImportProgress } from './import-progress';

const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;

const usage = `usage: sdx import --kind <${documentKinds.join('|')}> FILE.jsonl|FILE.csv --url URL [--key APIKEY, or SDX_API_KEY] [--concurrency N]
  Issues one document per line as the key's party. Every line is validated first; if any is
  invalid, each problem is printed as "line N: path: message [code]" and nothing is sent.
  FILE.jsonl (or .ndjson): one JSON payload per line.
  FILE.csv: a header row of field paths (container.number, seals[0].number, ...), then one payload
    per row; a :number, :boolean or :json suffix converts the cell (container.grossWeightKg:number);
    an empty cell leaves its field out; arrays fill from [0] up; __proto__, constructor and
    prototype are refused as path segments.
  Each line's Idempotency-Key is sdx-import-<kind>-<SHA-256 of its payload as RFC 8785 JSON>: a
    rerun issues only what is not there yet; an edited line is a new document.
  --concurrency: requests at once (default ${DEFAULT_CONCURRENCY}); 429 and 503 answers are retried after
    their Retry-After.
  Exit 0 all issued or already there, 1 invalid lines or some failed, 2 usage or unreadable file.`;

/** A valid line, ready to send. */
interface PlannedLine {
  line: number;
  payload: unknown;
  idempotencyKey: string;
}

/** `sdx import`: see `usage`. */
export async function importCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { kind: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`sdx import: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage);
    return 0;
  }
  // SDX_API_KEY keeps the key out of the process list and shell history.
  const key = values.key || settings.apiKey;
  const [file, ...extra] = positionals;
  if (!values.kind || !file || extra.length > 0 || !values.url || !key) {
    io.err(usage);
    return 2;
  }
  const { kind, url } = values;
  if (!isDocumentKind(kind)) {
    io.err(`sdx import: unknown document kind "${kind}"; use one of ${documentKinds.join(', ')}`);
    return 2;
  }
  if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url)) {
    io.err(`sdx import: --url must be the service's http(s) address, e.g. http://127.0.0.1:8080, not "${url}"`);
    return 2;
  }
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    io.err(`sdx import: --concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not "${values.concurrency}"`);
    return 2;
  }
  const format = importFormatOf(file);
  if (!format) {
    io.err(`sdx import: ${file}: name the file .jsonl (one JSON payload per line) or .csv`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.err(`sdx import: ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
    return 2;
  }

  const records = importRecords(text, format);
  if (records.length === 0) {
    io.err(`sdx import: ${file}: no lines to import`);
    return 2;
  }
  const { lines, problems } = planImport(kind, records);
  if (problems.length > 0) {
    for (const { line, issue } of problems) io.out(`line ${line}: ${issue.path || '(root)'}: ${issue.message} [${issue.code}]`);
    const invalid = new Set(problems.map((p) => p.line)).size;
    io.err(`${file}: ${invalid} of ${records.length} lines invalid; nothing sent`);
    return 1;
  }

  // On a terminal a bar redrawn in place; in a log a line every tenth.
  const redraw = process.stderr.isTTY ? { redraw: (text: string) => void process.stderr.write(text) } : {};
  const progress = new ImportProgress(lines.length, { line: io.err, ...redraw });
  const client = new DocumentIssueClient(url, key, { fetch });
  const started = Date.now();
  const { outcomes, stopped } = await sendAll(kind, lines, concurrency, client, (done) => progress.update(done));
  progress.finish();
  const seconds = (Date.now() - started) / 1000;

  const count = (result: IssueOutcome['result']) => [...outcomes.values()].filter((o) => o.result === result).length;
  for (const [line, outcome] of [...outcomes.entries()].sort(([a], [b]) => a - b)) {
    if (outcome.result === 'failed') io.out(`line ${line}: failed: ${outcome.reason}`);
  }
  const done = outcomes.size;
  const failed = count('failed');
  const parts = [`${count('issued')} issued`, `${count('already-there')} already there`, `${failed} failed`];
  if (stopped) parts.push(`${lines.length - done} not sent`);
  const retries = client.retries > 0 ? `, ${client.retries} retries` : '';
  io.out(`${file}: ${lines.length} ${kind} lines: ${parts.join(', ')} in ${seconds.toFixed(1)} s (${(done / Math.max(seconds, 0.001)).toFixed(1)} lines/s${retries})`);
  if (stopped) io.err(`sdx import: stopped: ${stopped}; once that is fixed, the same command sends what is missing`);
  return failed > 0 || stopped ? 1 : 0;
}

/**
 * Validates every record and gives each valid one its Idempotency-Key: the payload's canonical
 * hash (its payloadHash on the server), so a rerun finds what is issued, reformatting or moving a
 * line changes nothing, and a line repeating another is refused (both would be one document).
 */
function planImport(kind: DocumentKind, records: readonly ImportRecord[]): { lines: PlannedLine[]; problems: { line: number; issue: ValidationIssue }[] } {
  const lines: PlannedLine[] = [];
  const problems: { line: number; issue: ValidationIssue }[] = [];
  const firstLineOfKey = new Map<string, number>();
  const report = (line: number, issues: readonly ValidationIssue[]) => {
    for (const issue of issues) problems.push({ line, issue });
  };
  for (const record of records) {
    if ('issues' in record) {
      report(record.line, record.issues);
      continue;
    }
    const result = validatePayload(kind, record.input);
    if (!result.ok) {
      report(record.line, result.issues);
      continue;
    }
    let idempotencyKey: string;
    try {
      idempotencyKey = `sdx-import-${kind}-${canonicalHash(result.value)}`;
    } catch (error) {
      report(record.line, [{ path: '', code: 'not-canonicalizable', message: (error as Error).message }]);
      continue;
    }
    const first = firstLineOfKey.get(idempotencyKey);
    if (first !== undefined) {
      report(record.line, [{ path: '', code: 'duplicate-line', message: `the same ${kind} as line ${first}; one document would stand for both` }]);
      continue;
    }
    firstLineOfKey.set(idempotencyKey, record.line);
    lines.push({ line: record.line, payload: result.value, idempotencyKey });
  }
  return { lines, problems };
}

/** Sends every line, `concurrency` at a time, until all are answered or the client must stop. */
async function sendAll(
  kind: DocumentKind,
  lines: readonly PlannedLine[],
  concurrency: number,
  client: DocumentIssueClient,
  onAnswered: (done: number) => void,
): Promise<{ outcomes: Map<number, Exclude<IssueOutcome, { result: 'stop' }>>; stopped?: string }> {
  const outcomes = new Map<number, Exclude<IssueOutcome, { result: 'stop' }>>();
  let next = 0;
  let stopped: string | undefined;
  const worker = async () => {
    while (stopped === undefined && next < lines.length) {
      const planned = lines[next] as PlannedLine;
      next += 1;
      const outcome = await client.issue(kind, planned.payload, planned.idempotencyKey);
      if (outcome.result === 'stop') {
        stopped ??= outcome.reason;
        return;
      }
      outcomes.set(planned.line, outcome);
      onAnswered(outcomes.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lines.length) }, worker));
  return stopped === undefined ? { outcomes } : { outcomes, stopped };
}
