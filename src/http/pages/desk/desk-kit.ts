import { randomBytes } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Caller, DocumentService } from '../../../application/document-service';
import type { PageReads } from '../../../application/page-reads';
import { validatePayload } from '../../../domain/document/document-kinds';
import type { PartyActor } from '../../../domain/document/lifecycle';
import type { Party, PartyRole } from '../../../domain/party/party';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import { detailFor, paramsOf, statusFor } from '../../problem';
import { chineseDetail } from '../../refusal-messages';
import type { Html } from '../html';
import { t, type Lang, type TextKey } from '../i18n';
import type { PageContext, PageUser } from '../layout';
import { messageView } from '../login.view';
import { isDeskAction, type DeskAction } from './desk-documents';
import { fieldIssue, type FieldIssue } from './desk-fields';
import { eirPayloadsFrom, sealRowsOf } from './desk-payloads';
import type { FormValues } from './form-values';
import { PartyBook } from './party-book';

/** The page router's session and response helpers, shared so the desk behaves as every other page. */
export interface DeskKit {
  requireUser: (roles?: readonly string[]) => RequestHandler;
  requireFormToken: RequestHandler;
  sameOrigin: RequestHandler;
  userOf: (req: Request) => PageUser;
  contextOf: (req: Request) => PageContext;
  send: (res: Response, body: Html, status?: number) => void;
}

export interface DeskDependencies {
  reads: PageReads;
  documents: DocumentService;
  publicUrl: string;
  clock: () => Date;
}

/** Form keys are random, made when the form is drawn; anything else is not one of ours. */
const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;
export const newFormKey = () => randomBytes(16).toString('base64url');
export const idempotencyKey = (formKey: string, part?: string) => `desk-form:${formKey}${part ? `:${part}` : ''}`;

const actionLabels: Record<DeskAction, TextKey> = {
  accept: 'deskAccept',
  reject: 'deskReject',
  withdraw: 'deskWithdraw',
  void: 'deskVoid',
  release: 'deskRelease',
  'reject-presentation': 'deskRejectPresentation',
};

/** What the exchange said, in the page's language: field issues for a form, or the reason it refused. */
export interface Failure {
  status: number;
  issues: FieldIssue[];
  refusal?: string;
}

/**
 * 4xx failures become something to show; anything else is the page router's to handle. Field
 * issues are said in the catalogue's words; a refusal in Chinese from the refusal catalogue, in
 * English in the exchange's own sentence.
 */
export function failureOf(error: unknown, lang: Lang): Failure {
  if (!(error instanceof SdxError)) throw error;
  const status = statusFor(error);
  if (status >= 500 || status === 404) throw error;
  if (error instanceof ValidationError) {
    return { status, issues: error.issues.map((issue) => fieldIssue(lang, issue, issue.path.replace(/^payload\.?/, ''))) };
  }
  return { status, issues: [], refusal: lang === 'en' ? detailFor(error, status) : chineseDetail(error.code, paramsOf(error)) };
}

/** A label's colon: full-width in Chinese. */
export const colon = (lang: Lang) => (lang === 'en' ? ': ' : '：');

const sameLine = (issue: FieldIssue) => `${issue.path}\u0000${issue.message}`;

/**
 * Every EIR of the batch checked as the API checks it; a container's problems are named by its
 * line, a seal's at its row. A seal must be on a listed container, and say which when several are.
 */
export function eirBatchIssues(lang: PageContext['lang'], values: FormValues, issuer: Party, book: PartyBook) {
  const lines = eirPayloadsFrom(values, issuer, book);
  const issues: FieldIssue[] = [];
  const seen = new Map<string, number>();
  for (const line of lines) {
    const parsed = validatePayload('eir', line.payload);
    for (const issue of parsed.ok ? [] : parsed.issues) {
      const shown = fieldIssue(lang, issue);
      const seal = /^seals\[(\d+)\](.*)$/.exec(issue.path);
      if (issue.path.startsWith('container.number')) {
        issues.push({ path: 'containers', message: line.line ? `${t(lang, 'deskLine', { line: line.line })}${colon(lang)}${shown.message}` : shown.message });
      } else if (seal) {
        issues.push({ ...shown, path: `seals[${line.sealRows[Number(seal[1])] ?? seal[1]}]${seal[2] ?? ''}` });
      } else {
        issues.push(shown);
      }
    }
    const first = seen.get(line.container);
    if (line.container && first !== undefined) {
      issues.push({ path: 'containers', message: `${t(lang, 'deskLine', { line: line.line })}${colon(lang)}${t(lang, 'issueDuplicateContainer')} (${t(lang, 'deskLine', { line: first })})` });
    }
    seen.set(line.container, line.line);
  }
  const listed = new Set(lines.map((line) => line.container).filter(Boolean));
  for (const seal of sealRowsOf(values)) {
    if (seal.container && listed.size > 0 && !listed.has(seal.container)) {
      issues.push({ path: `seals[${seal.row}].container`, message: t(lang, 'issueSealContainer') });
    } else if (!seal.container && listed.size > 1) {
      issues.push({ path: `seals[${seal.row}].container`, message: t(lang, 'issueSealWhich') });
    }
  }
  const unique = new Map(issues.map((issue) => [sameLine(issue), issue]));
  return { lines, issues: [...unique.values()] };
}

/** The helpers every desk route file shares, bound to the request's session. */
export interface DeskHelpers {
  /** Same-origin check and the desk's form parser, before `requireUser` on every POST. */
  post: readonly [RequestHandler, RequestHandler];
  callerOf: (req: Request) => Caller;
  actorOf: (req: Request) => PartyActor;
  context: (req: Request) => Promise<{ ctx: PageContext; caller: Caller; book: PartyBook; issuer: Party }>;
  /** The form's key, or undefined after answering 403 (the form is not one of ours). */
  formKeyOf: (req: Request, res: Response) => string | undefined;
  /** The notice after a redirect (`?issued=1`, `?done=<action>`). */
  doneNotice: (req: Request) => { notice?: string };
}

export function deskHelpers(deps: DeskDependencies, kit: DeskKit): DeskHelpers {
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 });
  const callerOf = (req: Request): Caller => ({ partyId: kit.userOf(req).partyId, userId: kit.userOf(req).userId });
  const actorOf = (req: Request): PartyActor => ({ partyId: kit.userOf(req).partyId, roles: kit.userOf(req).roles as PartyRole[] });

  async function context(req: Request): Promise<{ ctx: PageContext; caller: Caller; book: PartyBook; issuer: Party }> {
    const book = new PartyBook(await deps.reads.parties());
    const issuer = book.get(kit.userOf(req).partyId);
    if (!issuer) throw new SdxError('not-found', 'your party is not registered');
    return { ctx: kit.contextOf(req), caller: callerOf(req), book, issuer };
  }

  function formKeyOf(req: Request, res: Response): string | undefined {
    const body = req.body as Record<string, unknown>;
    const key = typeof body['formKey'] === 'string' ? body['formKey'] : '';
    if (FORM_KEY.test(key)) return key;
    const ctx = kit.contextOf(req);
    kit.send(res, messageView(ctx, t(ctx.lang, 'formExpired'), t(ctx.lang, 'formExpired')), 403);
    return undefined;
  }

  function doneNotice(req: Request): { notice?: string } {
    const ctx = kit.contextOf(req);
    if (req.query['issued'] === '1') return { notice: t(ctx.lang, 'deskIssuedNotice') };
    const done = req.query['done'];
    return isDeskAction(done) ? { notice: t(ctx.lang, 'deskDoneNotice', { action: t(ctx.lang, actionLabels[done]) }) } : {};
  }

  return { post: [kit.sameOrigin, form], callerOf, actorOf, context, formKeyOf, doneNotice };
}
