import type { Response } from 'express';
import { fitNumber, fitText } from '../application/dcsa/dcsa-fields';
import { deoVersion } from '../application/dcsa/deo-delivery-order';
import { tntVersion } from '../application/dcsa/tnt-equipment-event';
import type { ValidationIssue } from '../domain/shared/errors';
import { chineseDetail, refusalMessage, type ProblemParams } from './refusal-messages';

/**
 * Errors on the DCSA routes in DCSA's own shape, so a DCSA client reads them as it reads any DCSA
 * provider's: ERROR_DOMAIN 2.0.0 `error` (what DEO 1.0.0-Beta-1 names), and on Track & Trace also
 * TNT 3.0.0's `feedbackElements`, which its `GetEventsError` consists of. SDX's stable codes are
 * each detailed error's `reason`.
 */

/** The DCSA standards SDX serves, by path prefix. */
const standards = [
  { prefix: '/api/v1/dcsa/tnt/', version: tntVersion, feedback: true },
  { prefix: '/api/v1/dcsa/deo/', version: deoVersion, feedback: false },
] as const;

type Standard = (typeof standards)[number];

/** The DCSA standard of the path asked for (a router mounted under /api/v1 sees only its own part). */
export function dcsaStandardOf(originalUrl: string): Standard | undefined {
  const path = originalUrl.split('?')[0] ?? '';
  return standards.find((s) => path.startsWith(s.prefix));
}

/** ERROR_DOMAIN 2.0.0 field limits (TNT 3.0.0's for `feedback`); the OpenAPI document declares them too. */
export const dcsaErrorLimits = { statusCodeText: 50, errorMessage: 200, providerCorrelationID: 100, field: 50, reason: 100, message: 200, feedback: 5000 } as const;

/** ERROR_DOMAIN 2.0.0 spells OPTIONS without its S. */
const httpMethods: Record<string, string> = { GET: 'GET', HEAD: 'HEAD', POST: 'POST', PUT: 'PUT', DELETE: 'DELETE', OPTIONS: 'OPTION', PATCH: 'PATCH' };

export interface DcsaProblem {
  status: number;
  /** The HTTP reason phrase. */
  statusText: string;
  code: string;
  /** English detail; Chinese callers get the catalogue's. */
  detail: string;
  errors?: readonly ValidationIssue[];
}

interface DetailedError {
  reason: string;
  message: string;
  field?: string;
}

/** Sends `problem` in DCSA's error shape, in Chinese when the caller prefers it (titles and details from the catalogue). */
export function sendDcsaError(res: Response, standard: Standard, problem: DcsaProblem, chinese: boolean, params: ProblemParams): void {
  const req = res.req;
  const catalogue = refusalMessage(problem.code);
  const detailed: DetailedError[] = problem.errors?.length
    ? problem.errors.map((issue) => ({ reason: issue.code, message: issue.message, ...(issue.path ? { field: issue.path } : {}) }))
    : [{ reason: problem.code, message: chinese ? chineseDetail(problem.code, params) : problem.detail }];
  const correlation = fitNumber(res.get('X-Request-Id') ?? '', dcsaErrorLimits.providerCorrelationID);
  const body = {
    httpMethod: httpMethods[req.method] ?? req.method,
    requestUri: req.originalUrl,
    statusCode: problem.status,
    statusCodeText: fitText(problem.statusText, dcsaErrorLimits.statusCodeText),
    errorMessage: fitText(chinese ? catalogue.zh.title : catalogue.en.title, dcsaErrorLimits.errorMessage),
    ...(correlation ? { providerCorrelationID: correlation } : {}),
    errorDateTime: new Date().toISOString(),
    errors: detailed.map((e) => ({
      reason: fitText(e.reason, dcsaErrorLimits.reason),
      message: fitText(e.message, dcsaErrorLimits.message),
      // A path too long for the field is left out rather than cut into another path.
      ...(e.field && fitNumber(e.field, dcsaErrorLimits.field) ? { field: e.field } : {}),
    })),
    ...(standard.feedback
      ? { feedbackElements: detailed.map((e) => ({ severity: 'ERROR', message: fitText(e.field ? `${e.field}: ${e.message}` : e.message, dcsaErrorLimits.feedback) })) }
      : {}),
  };
  res.set('API-Version', standard.version);
  res.set('Content-Language', chinese ? 'zh' : 'en');
  res.status(problem.status).type('application/json').json(body);
}
