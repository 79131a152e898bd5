import type { DocumentKind } from '../domain/document/document';

/** What became of one line. `stop`: nothing more can succeed (the server is unreachable or refuses the key). */
export type IssueOutcome =
  | { result: 'issued' | 'already-there'; documentId: string }
  | { result: 'failed'; reason: string }
  | { result: 'stop'; reason: string };

/** Answers that say "not now" for the whole client (key rate limit, overload, proxy trouble), not "not this line". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** A line stops retrying "not now" answers after this long (waits included). */
const RETRY_BUDGET_MS = 120_000;
/** Tries when the server does not answer at all: about 15-30 s of backing off. */
const NETWORK_ATTEMPTS = 6;
const FIRST_BACKOFF_MS = 500;
/** No single wait is longer, whatever Retry-After asks. */
const MAX_WAIT_MS = 30_000;
/** Spreads the workers that resume together after a pause. */
const RESUME_JITTER_MS = 250;
/** An issue renders and signs a PDF; a busy server may take long, and a retry is safe. */
const REQUEST_TIMEOUT_MS = 120_000;

export interface IssueClientOptions {
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Issues documents through `POST /api/v1/documents`, one Idempotency-Key each, so any retry is
 * safe. "Not now" answers and network failures pause every request of this client (they concern
 * the key or the server, not one line), for Retry-After when given, else an exponential backoff.
 */
export class DocumentIssueClient {
  /** Requests sent again after a "not now" answer or no answer. */
  retries = 0;
  private pausedUntil = 0;
  private readonly endpoint: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    url: string,
    private readonly key: string,
    private readonly options: IssueClientOptions,
  ) {
    this.endpoint = `${url.replace(/\/+$/, '')}/api/v1/documents`;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  async issue(kind: DocumentKind, payload: unknown, idempotencyKey: string): Promise<IssueOutcome> {
    const started = this.now();
    const body = JSON.stringify({ kind, payload });
    for (let attempt = 1, unanswered = 0; ; attempt += 1) {
      await this.waitWhilePaused();
      let status: number;
      let retryAfter: string | null;
      let replayed: boolean;
      let text: string;
      try {
        const response = await this.options.fetch(this.endpoint, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.key}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        ({ status } = response);
        retryAfter = response.headers.get('retry-after');
        replayed = response.headers.get('idempotent-replayed') === 'true';
        text = await response.text();
      } catch (error) {
        unanswered += 1;
        if (unanswered >= NETWORK_ATTEMPTS) return { result: 'stop', reason: `${this.endpoint} does not answer (${causeOf(error)})` };
        this.pause(this.backoff(attempt));
        continue;
      }
      if (status === 201) {
        const id = documentIdOf(text);
        if (id === undefined) return { result: 'failed', reason: '201 without a document id' };
        return { result: replayed ? 'already-there' : 'issued', documentId: id };
      }
      if (RETRYABLE_STATUSES.has(status) && this.now() - started < RETRY_BUDGET_MS) {
        this.pause(retryAfterMs(retryAfter, this.now()) ?? this.backoff(attempt));
        continue;
      }
      const reason = `${status} ${problemSummary(text)}`;
      if (status === 401) return { result: 'stop', reason: `the server refused the API key: ${reason}` };
      return { result: 'failed', reason };
    }
  }

  private backoff(attempt: number): number {
    return Math.min(MAX_WAIT_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1)) * (0.5 + this.random() / 2);
  }

  private pause(ms: number): void {
    this.retries += 1;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.min(ms, MAX_WAIT_MS));
  }

  private async waitWhilePaused(): Promise<void> {
    while (this.now() < this.pausedUntil) await this.sleep(this.pausedUntil - this.now() + this.random() * RESUME_JITTER_MS);
  }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function documentIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A problem document's detail and code, else the start of the body. */
function problemSummary(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown; code?: unknown };
    if (typeof problem.detail === 'string') return `${problem.detail} [${String(problem.code)}]`;
  } catch {
    // Not a problem document.
  }
  return text.slice(0, 200).replace(/\s+/g, ' ');
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and puts the reason (ECONNREFUSED, ...) in its cause.
  const cause = error.cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error.name === 'TimeoutError' ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : error.message;
}
