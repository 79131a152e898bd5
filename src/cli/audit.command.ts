import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { auditCertificateCheck } from '../adapters/pki/audit-certificate-check';
import { decodePem } from '../adapters/pki/pem';
import {
  BundleLineReader,
  MAX_BUNDLE_DEPTH,
  bundleHeader,
  bundleLines,
  loggedEventSchema,
  parseAuditBundle,
  parseSignedTreeHead,
  partyRolesSchema,
  storeLogEvents,
  storeParties,
  type AuditBundleHeader,
  type LoggedEvent,
} from '../application/audit/audit-bundle';
import { auditTrail, type AuditProblem, type AuditResult, type CertificateCheck } from '../application/audit/audit-trail';
import type { PartyRoles } from '../application/audit/lifecycle-replay';
import type { SignedTreeHead } from '../application/audit/tree-head';
import type { Store } from '../application/ports/store.port';
import { SdxError, ValidationError } from '../domain/shared/errors';
import { jsonDepthWithin } from '../domain/shared/json-depth';
import { parseWith } from '../domain/shared/schema';
import { openLogService, peersOf, platformOf, trustFromCertsDir } from '../main';
import type { Settings } from '../settings';
import { fetchJwks } from '../adapters/http/peer-client';
import { crossPlatformCheck, type CrossPlatformProblem } from '../application/federation/cross-platform-audit';
import { PeerDirectory, platformKeysOf } from '../application/federation/platform';
import type { EventBody } from '../application/events/signed-event';
import { boundedLines } from './bounded-lines';
import type { CliIo } from './cli-io';
import { openToolStore, storeFlagOptions, storeFlagsUsage, type StoreFlags } from './cli-store';

const usage = `usage: sdx audit <command>
  export (STORE | --url URL [--key APIKEY, or SDX_API_KEY]) --out BUNDLE.json [--head-out HEAD.json]
      the log's events and a signed tree head, for checking offline (--url: an auditor's key;
      neither: the store SDX_STORE names, by default SDX_DB or data/sdx.sqlite, which must exist)
  verify (BUNDLE.json | STORE) [--head SAVED_HEAD.json] [--trust PEM ...] [--log-cert PEM] [--max-line-bytes N] [--json]
      checks every event signature (its alg against the signer's key), each document's chain, that
      every event is one the document's lifecycle allows (replayed with the same rules the service
      applies, on the payloads and party roles the bundle carries), the Merkle root the head signs,
      that the head is not dated before its events and, with --head, that the log only grew since
      that head (STORE: a database, in full, every stored leaf too, against its last published head);
      with SDX_PEERS_FILE, chains, receipts and release notices peer platforms signed, against their keys,
      and each received chain with the receiver's rules (whom its peers may issue for, hand-over links);
      exit 0 all holds, 1 not, 2 unreadable input (a line over --max-line-bytes, default 16 MiB, or
      JSON nested deeper than 64 levels included)
  STORE: ${storeFlagsUsage} (or SDX_STORE with SDX_DB, SDX_PG_URL, SDX_MONGO_URI)`;

/** The server returns at most this many log entries per request (LogService's page). */
const URL_PAGE_SIZE = 1000;
/** Bundles up to this size may be in any JSON layout; larger ones must be in the one-event-per-line layout sdx writes. */
const WHOLE_FILE_LIMIT = 256 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 2000;

export interface AuditCommandOptions {
  /** Whether stderr is a terminal: progress is then shown from the start, else only on long runs. */
  stderrIsTty?: boolean;
  /** For the URL export; global fetch by default. */
  fetch?: typeof fetch;
}

/** `sdx audit export|verify`: see `usage`. */
export async function auditCommand(args: readonly string[], io: CliIo, settings: Settings, options: AuditCommandOptions = {}): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'export') return exportCommand(rest, io, settings, options);
  if (sub === 'verify') return verifyCommand(rest, io, settings, options);
  if (sub === 'help' || sub === '--help') {
    io.out(usage);
    return 0;
  }
  io.err(sub === undefined ? usage : `sdx audit: unknown command "${sub}"\n${usage}`);
  return 2;
}

type Parsed = { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };

function parse(name: string, args: readonly string[], spec: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>, io: CliIo): Parsed | undefined {
  try {
    return parseArgs({ args: [...args], options: spec, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    io.err(`sdx audit ${name}: ${(error as Error).message}`);
    return undefined;
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The store flags given, or undefined when none is (a bundle or a URL is read instead). */
function storeFlagsOf(parsed: Parsed): StoreFlags | undefined {
  const flags: StoreFlags = { db: str(parsed.values['db']), store: str(parsed.values['store']), 'pg-url': str(parsed.values['pg-url']), 'mongo-uri': str(parsed.values['mongo-uri']) };
  return Object.values(flags).some((value) => value !== undefined) ? flags : undefined;
}

async function exportCommand(args: readonly string[], io: CliIo, settings: Settings, options: AuditCommandOptions): Promise<number> {
  const parsed = parse('export', args, { ...storeFlagOptions, url: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, 'head-out': { type: 'string' } }, io);
  if (!parsed) return 2;
  const [url, keyFlag, out, headOut] = ['url', 'key', 'out', 'head-out'].map((n) => str(parsed.values[n]));
  const storeFlags = storeFlagsOf(parsed);
  // SDX_API_KEY keeps the key out of the process list and shell history.
  const key = keyFlag ?? settings.apiKey;
  if (!out || parsed.positionals.length > 0 || (storeFlags !== undefined && url !== undefined) || (url !== undefined && !key)) {
    io.err(`usage: sdx audit export (${storeFlagsUsage} | --url URL [--key APIKEY, or SDX_API_KEY]) --out BUNDLE.json [--head-out HEAD.json]`);
    return 2;
  }
  try {
    let head: SignedTreeHead;
    if (url === undefined) {
      // Never creates a database: exporting an empty log from a typo or the wrong folder would mislead.
      const opened = await openToolStore(storeFlags ?? {}, settings, { createNamed: false });
      if ('missing' in opened) {
        io.err(`sdx audit export: ${opened.missing}`);
        return 2;
      }
      const { store } = opened;
      try {
        head = await headForExport(store, settings);
        await writeBundle(out, bundleHeader(head, await storeParties(store)), storeLogEvents(store, head.size, { payloads: true }));
      } finally {
        await store.close();
      }
    } else {
      const server = new LogClient(url, key as string, options.fetch ?? fetch);
      head = await server.treeHead();
      await writeBundle(out, bundleHeader(head, await server.parties()), server.entries(head.size));
    }
    if (headOut) await writeFile(headOut, `${JSON.stringify(head, null, 2)}\n`);
    io.out(`exported ${head.size} events with the tree head signed at ${head.timestamp} (root ${head.rootHash}) to ${out}`);
    return 0;
  } catch (error) {
    io.err(`sdx audit export: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * The latest published head when it covers the whole log, else a head signed now over the log as
 * stored but not published: the export writes nothing to the database, so it cannot bless a
 * tampered store with a published head (the server publishes only after its start-up audit).
 */
async function headForExport(store: Store, settings: Settings): Promise<SignedTreeHead> {
  const [published, state] = await Promise.all([store.latestTreeHead(), store.logState()]);
  if (published && published.size === state.size) return published;
  return openLogService(store, settings).unpublishedHead();
}

/** A running server's log, read through the API with an auditor's key. */
class LogClient {
  private readonly base: string;
  constructor(
    url: string,
    private readonly key: string,
    private readonly fetchFn: typeof fetch,
  ) {
    this.base = `${url.replace(/\/+$/, '')}/api/v1`;
  }

  async treeHead(): Promise<SignedTreeHead> {
    const parsed = parseSignedTreeHead(await this.get('/log/tree-head'));
    if (!parsed.ok) throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: `tree head ${i.path}` })));
    return parsed.value;
  }

  async parties(): Promise<PartyRoles[]> {
    const parsed = parseWith(z.strictObject({ parties: z.array(partyRolesSchema) }), await this.get('/log/parties'));
    if (!parsed.ok) throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: `parties: ${i.path}` })));
    return parsed.value.parties;
  }

  async *entries(size: number): AsyncGenerator<LoggedEvent> {
    const page = z.strictObject({ entries: z.array(loggedEventSchema) });
    for (let start = 0; start < size; start += URL_PAGE_SIZE) {
      const end = Math.min(start + URL_PAGE_SIZE, size);
      const parsed = parseWith(page, await this.get(`/log/entries?start=${start}&end=${end}`));
      if (!parsed.ok) throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: `entries ${start}..${end}: ${i.path}` })));
      yield* parsed.value.entries;
    }
  }

  private async get(path: string): Promise<unknown> {
    const response = await this.fetchFn(this.base + path, { headers: { authorization: `Bearer ${this.key}`, accept: 'application/json' } });
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 300);
      try {
        const problem = JSON.parse(text) as { detail?: unknown; code?: unknown };
        if (typeof problem.detail === 'string') detail = `${problem.detail} [${String(problem.code)}]`;
      } catch {
        // Not a problem document; show the start of the body.
      }
      throw new SdxError('validation-failed', `GET ${this.base + path} answered ${response.status}: ${detail}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SdxError('validation-failed', `GET ${this.base + path} did not answer JSON`);
    }
  }
}

/** Writes beside the target, then renames, so an interrupted export leaves no half bundle under its name. */
async function writeBundle(file: string, header: AuditBundleHeader, events: AsyncIterable<LoggedEvent>): Promise<void> {
  const partial = `${file}.partial`;
  const stream = createWriteStream(partial);
  const failed = new Promise<never>((_resolve, reject) => stream.once('error', reject));
  try {
    for await (const chunk of bundleLines(header, events)) {
      if (!stream.write(chunk)) await Promise.race([new Promise<void>((resolve) => stream.once('drain', () => resolve())), failed]);
    }
    await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), failed]);
    await rename(partial, file);
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

async function verifyCommand(args: readonly string[], io: CliIo, settings: Settings, options: AuditCommandOptions): Promise<number> {
  const parsed = parse(
    'verify',
    args,
    { ...storeFlagOptions, head: { type: 'string' }, trust: { type: 'string', multiple: true }, 'log-cert': { type: 'string' }, json: { type: 'boolean' }, 'max-line-bytes': { type: 'string' } },
    io,
  );
  if (!parsed) return 2;
  const [file, ...extra] = parsed.positionals;
  const storeFlags = storeFlagsOf(parsed);
  const maxLineText = str(parsed.values['max-line-bytes']);
  const maxLineBytes = maxLineText === undefined ? DEFAULT_MAX_LINE_BYTES : /^[1-9]\d{0,15}$/.test(maxLineText) ? Number(maxLineText) : NaN;
  if ((!file && storeFlags === undefined) || (file && storeFlags !== undefined) || extra.length > 0 || !Number.isSafeInteger(maxLineBytes)) {
    io.err(`usage: sdx audit verify (BUNDLE.json | ${storeFlagsUsage}) [--head SAVED_HEAD.json] [--trust PEM ...] [--log-cert PEM] [--max-line-bytes N] [--json]`);
    return 2;
  }
  const { certsDir } = settings.paths;
  const headFile = str(parsed.values['head']);
  const trustFiles = (parsed.values['trust'] as string[] | undefined) ?? [];
  const logCertFile = str(parsed.values['log-cert']) ?? join(certsDir, 'log-signing.pem');

  let olderHead: SignedTreeHead | undefined;
  let validate;
  let crossPlatform: ((body: EventBody, payload?: unknown) => Promise<CrossPlatformProblem | undefined>) | undefined;
  try {
    if (headFile) olderHead = await readHeadFile(headFile);
    crossPlatform = crossPlatformOf(settings);
    const anchors = await Promise.all(trustFiles.map((pem) => readFile(pem, 'utf8')));
    const logCertificates = decodePem(await readFile(logCertFile, 'utf8'), 'CERTIFICATE');
    if (logCertificates.length === 0) throw new SdxError('validation-failed', `${logCertFile} holds no certificate`);
    validate = auditCertificateCheck(trustFromCertsDir(certsDir, anchors), { logCertificates });
  } catch (error) {
    io.err(`sdx audit verify: ${inputMessage(error)}`);
    return 2;
  }

  if (storeFlags !== undefined) return verifyStore(storeFlags, { olderHead, validate, json: parsed.values['json'] === true, ...(crossPlatform ? { crossPlatform } : {}) }, io, settings, options);
  let source: BundleSource;
  try {
    source = await openBundle(file ?? '', maxLineBytes);
  } catch (error) {
    io.err(`sdx audit verify: ${file}: ${inputMessage(error)}`);
    return 2;
  }

  const result = await auditTrail({
    events: source.events,
    treeHead: source.header.treeHead,
    ...(olderHead ? { olderHead } : {}),
    validateCertificate: validate,
    parties: source.header.parties,
    ...(crossPlatform ? { crossPlatform } : {}),
    onProgress: progressLine(io, options),
  });
  const unreadable = source.formatError();
  if (unreadable) {
    io.err(`sdx audit verify: ${file}: ${unreadable}`);
    return 2;
  }
  printResult(result, source.header.treeHead, parsed.values['json'] === true, io);
  return result.ok ? 0 : 1;
}

/**
 * With SDX_PEERS_FILE: the check of what peer platforms signed in this platform's events, against
 * the peers' keys (pinned, or read from their JWKS URL) and this platform's own (SDX_PLATFORM_KEY_FILE).
 */
function crossPlatformOf(settings: Settings): ((body: EventBody, payload?: unknown) => Promise<CrossPlatformProblem | undefined>) | undefined {
  if (!settings.peersFile) return undefined;
  const platform = platformOf(settings);
  const peers = new PeerDirectory(peersOf(settings), fetchJwks);
  return crossPlatformCheck({ platform: platform.code, keys: platformKeysOf(platform, peers), hostsOf: (code) => peers.hostsOf(code) });
}

/** Prints `verified done/total events` at most every PROGRESS_INTERVAL_MS (and not at all for short runs off a terminal). */
function progressLine(io: CliIo, options: AuditCommandOptions): (done: number, total: number) => void {
  const started = Date.now();
  let lastShown = 0;
  const tty = options.stderrIsTty ?? process.stderr.isTTY === true;
  return (done, total) => {
    const now = Date.now();
    if (!tty && now - started < PROGRESS_INTERVAL_MS) return;
    if (now - lastShown < PROGRESS_INTERVAL_MS) return;
    lastShown = now;
    io.err(`verified ${done}/${total} events`);
  };
}

/**
 * The full audit of a database on demand, as the service runs it in the background: every event
 * from leaf 0 and every stored leaf, against a head over the whole log and the last published one.
 */
async function verifyStore(
  flags: StoreFlags,
  check: { olderHead: SignedTreeHead | undefined; validate: CertificateCheck; json: boolean; crossPlatform?: (body: EventBody, payload?: unknown) => Promise<CrossPlatformProblem | undefined> },
  io: CliIo,
  settings: Settings,
  options: AuditCommandOptions,
): Promise<number> {
  let opened;
  try {
    opened = await openToolStore(flags, settings, { createNamed: false });
  } catch (error) {
    io.err(`sdx audit verify: ${error instanceof Error ? error.message : String(error)}`);
    // A server out of reach says nothing about the trail: unreadable input, not a failed audit.
    return error instanceof SdxError && error.code === 'store-unavailable' ? 2 : 1;
  }
  if ('missing' in opened) {
    io.err(`sdx audit verify: ${opened.missing}`);
    return 2;
  }
  const { store } = opened;
  try {
    const head = await headForExport(store, settings);
    const published = check.olderHead ?? (await store.latestTreeHead());
    const result = await auditTrail({
      events: storeLogEvents(store, head.size, { payloads: true }),
      treeHead: head,
      parties: await storeParties(store),
      ...(published && published.size > 0 && published !== head ? { olderHead: published } : {}),
      validateCertificate: check.validate,
      ...(check.crossPlatform ? { crossPlatform: check.crossPlatform } : {}),
      storedLeaf: async (index) => (await store.logNodes([{ level: 0, index }]))[0],
      onProgress: progressLine(io, options),
    });
    printResult(result, head, check.json, io);
    return result.ok ? 0 : 1;
  } catch (error) {
    io.err(`sdx audit verify: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await store.close();
  }
}

function printResult(result: AuditResult, head: SignedTreeHead, json: boolean, io: CliIo): void {
  if (json) {
    io.out(JSON.stringify(result, null, 2));
    return;
  }
  const { events, documents } = result.checked;
  if (result.ok) {
    io.out(`ok: ${events} events of ${documents} documents verified; the log is the tree of size ${head.size} with root ${head.rootHash} signed at ${head.timestamp}`);
    return;
  }
  for (const problem of result.problems) io.out(describeProblem(problem));
  io.out(`FAILED: the audit trail does not hold (${events} events of ${documents} documents checked)`);
}

/** `code at log index N (document D, seq S): message`. */
export function describeProblem(problem: AuditProblem): string {
  const where: string[] = [];
  if (problem.documentId !== undefined) where.push(`document ${problem.documentId}`);
  if (problem.seq !== undefined) where.push(`seq ${problem.seq}`);
  const at = problem.logIndex !== undefined ? ` at log index ${problem.logIndex}` : '';
  return `${problem.code}${at}${where.length > 0 ? ` (${where.join(', ')})` : ''}: ${problem.message}`;
}

function inputMessage(error: unknown): string {
  if (error instanceof ValidationError) return error.issues.slice(0, 10).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  const path = (error as NodeJS.ErrnoException).path;
  if (path) return `cannot read ${path}`;
  return error instanceof Error ? error.message : String(error);
}

async function readHeadFile(file: string): Promise<SignedTreeHead> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).path) throw error;
    throw new SdxError('validation-failed', `${file} is not JSON`);
  }
  const parsed = parseSignedTreeHead(json);
  if (!parsed.ok) throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: `${file}: ${i.path || '(root)'}` })));
  return parsed.value;
}

interface BundleSource {
  header: AuditBundleHeader;
  events: AsyncIterable<LoggedEvent> | Iterable<LoggedEvent>;
  /** Why the events could not all be read (set once they have been iterated), else undefined. */
  formatError(): string | undefined;
}

/** Lines longer than this are refused unless --max-line-bytes says otherwise. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Opens a bundle: streamed line by line in the layout sdx writes (so that gigabyte bundles fit in
 * memory), or parsed whole when it is laid out otherwise and small enough. Every line is bounded
 * by `maxLineBytes` and every JSON text in nesting depth, whichever the layout.
 */
async function openBundle(file: string, maxLineBytes: number): Promise<BundleSource> {
  const reader = new BundleLineReader();
  const lines = boundedLines(file, maxLineBytes);
  const first = await lines.next();
  const header = first.done ? undefined : reader.header(first.value);
  if (header) {
    let error: string | undefined;
    const events = async function* (): AsyncGenerator<LoggedEvent> {
      try {
        for (let line = await lines.next(); !line.done; line = await lines.next()) {
          const event = reader.next(line.value);
          if (event !== undefined && event !== 'blank') yield event;
        }
        reader.finish();
      } catch (failure) {
        error = inputMessage(failure);
      } finally {
        await lines.return(undefined);
      }
    };
    return { header, events: events(), formatError: () => error };
  }
  if ((await stat(file)).size > WHOLE_FILE_LIMIT) {
    await lines.return(undefined);
    throw new SdxError('validation-failed', 'is too large to read whole and not in the one-event-per-line layout "sdx audit export" writes');
  }
  // Read through the same bounded lines, so that a file of one huge line is refused, not parsed.
  const text = [first.done ? '' : first.value];
  for await (const line of lines) text.push(line);
  const whole = text.join('\n');
  if (!jsonDepthWithin(whole, MAX_BUNDLE_DEPTH)) throw new SdxError('validation-failed', `nests deeper than ${MAX_BUNDLE_DEPTH} levels`);
  let json: unknown;
  try {
    json = JSON.parse(whole) as unknown;
  } catch {
    throw new SdxError('validation-failed', 'is not JSON');
  }
  const parsed = parseAuditBundle(json);
  if (!parsed.ok) throw new ValidationError(parsed.issues);
  const { events, ...rest } = parsed.value;
  return { header: rest, events, formatError: () => undefined };
}
