import type { NextFunction, Request, Response } from 'express';
import { SdxError } from '../../domain/shared/errors';
import { detailFor, statusFor } from '../problem';
import { t } from './i18n';
import { messageView } from './login.view';
import { send } from './page-kit';
import { contextOf } from './session';

/** A refusal as a page in the user's language; anything that is not an SdxError is thrown on. */
export function pageError(error: unknown, req: Request, res: Response): void {
  const ctx = contextOf(req);
  if (error instanceof SdxError) {
    const status = statusFor(error);
    if (status < 500) {
      send(res, messageView(ctx, status === 404 ? t(ctx.lang, 'notFound') : t(ctx.lang, 'somethingWrong'), detailFor(error, status)), status);
      return;
    }
    send(res, messageView(ctx, t(ctx.lang, 'somethingWrong'), detailFor(error, status)), status);
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
