import { z } from 'zod';
import { ValidationError, type IssueParams, type ValidationIssue } from './errors';
import { containerNumberProblem, isSizeTypeCode } from './iso6346';
import { isImoNumber, isScac, isUnLocode, isUnifiedSocialCreditCode } from './identifiers';
import { composed, findForbiddenCharacter, forbiddenCharacterMessage, type TextLayout } from './text';

/** Building blocks shared by the three payload schemas. Objects are strict: unknown fields fail. */

function checked(predicate: (value: string) => boolean, code: string, message: string) {
  return (value: string, ctx: z.RefinementCtx) => {
    if (!predicate(value)) ctx.addIssue({ code: 'custom', message, params: { code } });
  };
}

/**
 * Every string field starts here. A forbidden character (see text.ts) is refused first, with its
 * code point, and no other check of that field runs: "U+202E is not allowed" is the whole story.
 * Identifiers are composed (NFC) first, so two numbers that look alike are one value.
 */
export function plainString(layout: TextLayout = 'line', options: { identifier?: boolean } = {}) {
  const base = options.identifier ? z.string().overwrite(composed) : z.string();
  return base.superRefine((value, ctx) => {
    const found = findForbiddenCharacter(value, layout);
    if (found) {
      ctx.addIssue({ code: 'custom', message: forbiddenCharacterMessage(found), params: { code: 'forbidden-character' }, continue: false });
    }
  });
}

/** Free text. `line` (the default) for names and titles; `lines` where tab and line breaks belong. */
export const text = (max = 200, layout: TextLayout = 'line') =>
  plainString(layout).trim().min(1, 'must not be empty').max(max);

/** A number or reference typed by people (EIR, D/O, B/L, seal, plate, guarantee): one line, NFC. */
export const identifier = (max: number) =>
  plainString('line', { identifier: true }).trim().min(1, 'must not be empty').max(max);

export const partyId = plainString('line', { identifier: true })
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'party id is 2-63 lowercase letters, digits or hyphens');

export const isoDateTime = z.iso.datetime({
  offset: true,
  // A missing value falls through to the parse-wide message ("is required").
  error: (issue) =>
    issue.input === undefined ? undefined : 'must be an ISO 8601 date-time with an offset, e.g. 2026-11-28T09:30:00+08:00',
});

export const containerNumber = plainString('line', { identifier: true }).superRefine((value, ctx) => {
  const problem = containerNumberProblem(value);
  if (problem === 'format') {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 6346 container number: owner code, U/J/Z, six digits, check digit (e.g. CSQU3054383)',
      params: { code: 'container-number-format' },
    });
  } else if (problem === 'check-digit') {
    ctx.addIssue({
      code: 'custom',
      message: `ISO 6346 check digit is wrong for ${value}`,
      params: { code: 'container-check-digit', number: value },
    });
  }
});

export const sizeType = plainString('line', { identifier: true })
  .superRefine(checked(isSizeTypeCode, 'size-type-code', 'must be an ISO 6346 size-type code such as 22G1, 45G1 or 22R1'));

export const unLocode = plainString('line', { identifier: true })
  .superRefine(checked(isUnLocode, 'un-locode', 'must be a five-character UN/LOCODE such as CNSHA'));

export const scac = plainString('line', { identifier: true }).superRefine(checked(isScac, 'scac', 'must be an SCAC of 2-4 capital letters'));

export const unifiedSocialCreditCode = plainString('line', { identifier: true })
  .superRefine(
    checked(isUnifiedSocialCreditCode, 'uscc', 'must be an 18-character unified social credit code with a valid GB 32100 check character'),
  );

export const imoNumber = plainString('line', { identifier: true })
  .superRefine(checked(isImoNumber, 'imo-number', 'must be a seven-digit IMO number with a valid check digit'));

/** A party as named on a document. Parties that act in SDX carry their `partyId`. */
export const partyRef = z.strictObject({
  partyId: partyId.optional(),
  name: text(),
  nameZh: text().optional(),
  unifiedSocialCreditCode: unifiedSocialCreditCode.optional(),
  scac: scac.optional(),
  address: text(300, 'lines').optional(),
});

export const participantRef = partyRef.extend({ partyId });

export const location = z.strictObject({
  unLocode,
  name: text().optional(),
});

export const vesselVoyage = z.strictObject({
  vesselName: text(100),
  voyageNumber: identifier(30),
  imoNumber: imoNumber.optional(),
});

export const weightKg = z.number().positive().max(100_000);

export const cargo = z.strictObject({
  description: text(1000, 'lines'),
  packageCount: z.number().int().positive(),
  packageType: text(50),
  grossWeightKg: z.number().positive(),
  volumeM3: z.number().positive().optional(),
  marksAndNumbers: text(1000, 'lines').optional(),
});

/** `containers[0].number` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

const ZOD_CODES: Record<string, string> = {
  invalid_type: 'invalid-type',
  too_small: 'too-small',
  too_big: 'too-big',
  invalid_format: 'invalid-format',
  invalid_value: 'invalid-value',
  invalid_union: 'invalid-value',
  not_multiple_of: 'invalid-value',
};

/** What zod knew about the limit or form a value missed, kept for messages in other words. */
const PARAM_KEYS = ['origin', 'minimum', 'maximum', 'inclusive', 'expected', 'format'] as const;

function issueParamsOf(issue: z.core.$ZodIssue): IssueParams | undefined {
  const source: Record<string, unknown> =
    issue.code === 'custom' ? { ...((issue.params as Record<string, unknown> | undefined) ?? {}), code: undefined } : (issue as unknown as Record<string, unknown>);
  const keys = issue.code === 'custom' ? Object.keys(source) : PARAM_KEYS;
  const params: Record<string, string | number | boolean> = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) params[key] = value;
    else if (typeof value === 'bigint') params[key] = Number(value);
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: joinPath(path, key),
        code: 'unknown-field',
        message: `unknown field "${key}"`,
      }));
    }
    if (issue.message === REQUIRED) {
      return [{ path, code: 'required', message: REQUIRED }];
    }
    const custom = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    const params = issueParamsOf(issue);
    return [
      {
        path,
        code: typeof custom === 'string' ? custom : ZOD_CODES[issue.code] ?? 'invalid-value',
        message: issue.message,
        ...(params ? { params } : {}),
      },
    ];
  });
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const REQUIRED = 'is required';

/** zod keeps the offending input only inside the error map, so a missing field is named there. */
const nameMissingFields = (issue: { input?: unknown; path?: readonly PropertyKey[] }) =>
  issue.input === undefined && (issue.path?.length ?? 0) > 0 ? REQUIRED : undefined;

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input, { error: nameMissingFields });
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toValidationIssues(result.error) };
}

export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = parseWith(schema, input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}
