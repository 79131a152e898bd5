import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { RefusalError, SdxError, ValidationError, type ValidationIssue } from '../domain/shared/errors';
import { dcsaStandardOf, sendDcsaError } from './dcsa-errors';
import { errorPage, wantsPage } from './pages/error-page';
import { chineseDetail, refusalMessage, type ProblemParams } from './refusal-messages';

/** RFC 9457 problem details with SDX's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: readonly ValidationIssue[];
}

export const PROBLEM_BASE = 'https://sdx.dev/problems/';

/** The one place where error codes become HTTP statuses; domain errors carry none. */
export function statusFor(error: SdxError): number {
  if (error instanceof RefusalError) {
    const byCategory = { conflict: 409, forbidden: 403, invalid: 422 } as const;
    return byCategory[error.refusal.category];
  }
  switch (error.code) {
    case 'idempotency-key-reused':
    case 'validation-failed':
    case 'forbidden-character':
    case 'not-canonicalizable':
    case 'unknown-document-kind':
    case 'webhook-url-invalid':
    case 'webhook-destination-forbidden':
      return 422;
    // A gate pass that is not this service's to answer: unreadable, forged, of an unknown or retired
    // key, or living longer than any pass it makes.
    case 'pass-invalid':
    case 'pass-unknown-key':
    case 'pass-key-retired':
    case 'pass-lifetime-too-long':
      return 400;
    // A genuine pass at the wrong time (by the service's clock) or at another facility's gate.
    case 'pass-expired':
    case 'pass-not-yet-valid':
    case 'pass-window-not-started':
    case 'pass-window-ended':
    case 'pass-wrong-facility':
      return 409;
    case 'not-found':
      return 404;
    // Platform-to-platform calls (PINT): the calling platform is not who it says, or its request is stale or replayed.
    case 'peer-credentials-missing':
    case 'peer-unknown':
    case 'peer-signature-invalid':
    case 'peer-request-invalid':
    case 'peer-request-replayed':
      return 401;
    // PINT answers an unknown receiver (or one it would not accept a transfer for) with 404.
    case 'pint-party-unknown':
      return 404;
    // The D/O is fine; its carrier has no SCAC on record, which DCSA's D/O requires.
    case 'dcsa-carrier-code-missing':
      return 409;
    case 'store-conflict':
    case 'concurrent-update':
    case 'already-delivered':
      return 409;
    case 'precondition-failed':
      return 412;
    case 'upload-quota':
    case 'blob-too-large':
      return 413;
    // The party's certificate is revoked or out of date: the request conflicts with the state of the
    // party's own credential. Not 503: no retry helps until the party has a new certificate, and a
    // 503 with Retry-After would invite clients to retry in vain and read it as an outage.
    case 'signer-revoked':
    case 'signer-expired':
      return 409;
    case 'store-unavailable':
    // A peer platform did not answer as PINT says: retry later.
    case 'peer-unavailable':
    // The party has no usable signing key, or the TSA cannot be reached: configuration, not input.
    case 'key-not-found':
    case 'key-record-invalid':
    case 'key-unseal-failed':
    case 'key-certificate-mismatch':
    case 'master-key-invalid':
    case 'tsa-unavailable':
    case 'tsa-rejected':
    case 'tsa-response-invalid':
    // No fresh revocation data (OCSP) for the validation data a B-LT signature carries.
    case 'revocation-unavailable':
    // Too many documents waiting for the PDF workers, or the service is stopping: retry later.
    case 'busy':
    case 'pdf-pool-closed':
    // The stored audit trail failed its integrity check: nothing is signed or served as valid.
    case 'log-integrity-failed':
      return 503;
    default:
      return 500;
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  403: 'Forbidden',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Chinese when the caller's Accept-Language prefers Chinese over English; English otherwise. */
export function prefersChinese(req: Request): boolean {
  if (!req.get('accept-language')) return false;
  return req.acceptsLanguages('en', 'zh') === 'zh';
}

/**
 * Sends a problem: problem+json to API clients, in Chinese (`title` and `detail` from the message
 * catalogue, `code` unchanged) when Accept-Language prefers it; a page in the page's language to a
 * browser that asks for HTML outside /api/; DCSA's error shape on the DCSA routes. `params` fill
 * the catalogue's Chinese template.
 */
export function sendProblem(res: Response, problem: Omit<Problem, 'type' | 'title'> & { title?: string }, params: ProblemParams = {}): void {
  const req = res.req;
  res.vary('Accept').vary('Accept-Language');
  const dcsa = dcsaStandardOf(req.originalUrl);
  if (dcsa) {
    const statusText = titles[problem.status] ?? 'Error';
    sendDcsaError(res, dcsa, { ...problem, statusText }, prefersChinese(req), params);
    return;
  }
  if (wantsPage(req)) {
    res.status(problem.status).type('html').send(errorPage(req, problem, params).text);
    return;
  }
  const chinese = prefersChinese(req);
  res.set('Content-Language', chinese ? 'zh' : 'en');
  const title = chinese ? refusalMessage(problem.code).zh.title : (problem.title ?? titles[problem.status] ?? 'Error');
  const body = { type: PROBLEM_BASE + problem.code, title, ...problem };
  if (chinese) {
    body.title = title;
    body.detail = chineseDetail(problem.code, params);
  }
  res.status(problem.status).type('application/problem+json').json(body);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, { status: 404, code: 'route-not-found', detail: `no route for ${req.method} ${req.path}` }, { method: req.method, path: req.path });
};

/** Values of an error that the Chinese templates can name. */
export function paramsOf(error: SdxError): ProblemParams {
  if (error instanceof ValidationError) {
    const first = error.issues[0];
    return first ? { count: error.issues.length, field: first.path || '(root)' } : {};
  }
  if (error instanceof RefusalError) return error.refusal.params ?? {};
  return {};
}

/** Body-parser failures carry an HTTP status and a `type` such as 'entity.parse.failed'. */
interface HttpishError {
  status?: unknown;
  type?: unknown;
}

/**
 * What a caller is told. 4xx: the error's own message. 503: a fixed sentence per kind of outage
 * (store and key-store messages can name files), except a failed integrity audit, whose findings
 * the caller needs. 500: nothing but that it is logged.
 */
export function detailFor(error: SdxError, status: number): string {
  if (status < 500) return error.message;
  if (status === 500) return 'the service failed; the incident is logged';
  if (error.code === 'log-integrity-failed' || error.code === 'busy') return error.message;
  if (error.code.startsWith('tsa-')) return 'the timestamp authority is unavailable; retry later';
  if (error.code.startsWith('key-') || error.code === 'master-key-invalid') return "this party's signing key is not available; ask the operator";
  return 'the service is unavailable; retry later';
}

export function problemHandler(onUnexpected: (error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof SdxError) {
      const status = statusFor(error);
      // 503s are known operational states (store down, key missing, trail failed its audit), not bugs.
      if (status === 500) onUnexpected(error);
      if (status === 503 && error.code !== 'log-integrity-failed') res.set('Retry-After', '5');
      sendProblem(res, {
        status,
        code: error.code,
        detail: detailFor(error, status),
        ...(error instanceof ValidationError ? { errors: error.issues.map(({ path, code, message }) => ({ path, code, message })) } : {}),
      }, status < 500 ? paramsOf(error) : {});
      return;
    }
    const httpish = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
    if (httpish.type === 'entity.parse.failed') {
      sendProblem(res, { status: 400, code: 'malformed-json', detail: 'the request body is not valid JSON' });
      return;
    }
    if (httpish.type === 'entity.too.large') {
      sendProblem(res, { status: 413, code: 'body-too-large', detail: 'the request body is too large' });
      return;
    }
    if (typeof httpish.status === 'number' && httpish.status >= 400 && httpish.status < 500) {
      sendProblem(res, { status: httpish.status, code: 'bad-request', detail: 'the request could not be read' });
      return;
    }
    onUnexpected(error);
    sendProblem(res, { status: 500, code: 'internal-error', detail: 'the service failed; the incident is logged' });
  };
}
