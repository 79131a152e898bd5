import type { NextFunction, Request, Response } from 'express';
import { SdxError, ValidationError } from '../../domain/shared/errors';
import { detailFor, paramsOf, statusFor } from '../problem';
import { chineseDetail, refusalMessage } from '../refusal-messages';
import { t, type Lang } from './i18n';
import { messageView } from './login.view';
import { send } from './page-kit';
import { contextOf } from './session';

/**
 * What a refusal says on a page: in English the exchange's own sentence, in Chinese the refusal
 * catalogue's (a validation failure by its title: the API's wording points at `errors`).
 */
function detailIn(lang: Lang, error: SdxError, status: number): string {
  if (lang === 'en') return detailFor(error, status);
  if (error instanceof ValidationError) return refusalMessage(error.code).zh.title;
  return chineseDetail(error.code, status < 500 ? paramsOf(error) : {});
}

/** A refusal as a page in the user's language; anything that is not an SdxError is thrown on. */
export function pageError(error: unknown, req: Request, res: Response): void {
  const ctx = contextOf(req);
  if (error instanceof SdxError) {
    const status = statusFor(error);
    const detail = detailIn(ctx.lang, error, status);
    if (status < 500) {
      send(res, messageView(ctx, status === 404 ? t(ctx.lang, 'notFound') : t(ctx.lang, 'somethingWrong'), detail), status);
      return;
    }
    send(res, messageView(ctx, t(ctx.lang, 'somethingWrong'), detail), status);
    return;
  }
  throw error;
}

/** The pages' error handler: browsers get a page; JSON callers and `/status` get the API's problem. */
export function pageErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent || !req.accepts('html') || req.path.endsWith('/status')) {
    next(error);
    return;
  }
  try {
    pageError(error, req, res);
  } catch {
    next(error);
  }
}
