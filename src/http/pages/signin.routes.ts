import express, { Router, type Request, type Response } from 'express';
import type { PageReads } from '../../application/page-reads';
import { LANG_COOKIE, t } from './i18n';
import { loginView } from './login.view';
import type { LoginThrottle } from './login-throttle';
import { homeFor, safeLocalPath, send, sessionKindFor, text } from './page-kit';
import {
  clearLoginCookie,
  clearSessionCookie,
  contextOf,
  cookieValue,
  LOGIN_COOKIE,
  maybeUserOf,
  SESSION_COOKIE,
  setLoginCookie,
  setSessionCookie,
  type PageGuards,
  type WebSessions,
} from './session';

export interface SignInDependencies {
  reads: PageReads;
  sessions: WebSessions;
  throttle: LoginThrottle;
  clock: () => Date;
}

/** Everyone: the home redirect, the language switch, sign-in and sign-out. */
export function signInRoutes(deps: SignInDependencies, guards: PageGuards): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  const { secureCookies } = guards;

  /**
   * The sign-in page, with a form token bound to the pre-session cookie set here. Its Referrer-Policy
   * is `same-origin`: under the site-wide `no-referrer` a browser sends `Origin: null` even for this
   * site's own form, which the sign-in check must refuse.
   */
  function sendLogin(req: Request, res: Response, form: { userId?: string; next?: string; error?: string; code?: string }, status = 200): void {
    const challenge = deps.sessions.loginChallenge(cookieValue(req, LOGIN_COOKIE));
    setLoginCookie(res, challenge.cookie, secureCookies);
    res.set('Referrer-Policy', 'same-origin');
    send(res, loginView(contextOf(req), { ...form, token: challenge.token }), status);
  }

  const signInFromThisSite = guards.signInFromThisSite((req, res) => {
    const ctx = contextOf(req);
    sendLogin(req, res, { error: t(ctx.lang, 'crossSiteSignIn'), code: 'cross-site-request' }, 403);
  });

  router.get('/', (req, res) => {
    const user = maybeUserOf(req);
    res.redirect(303, user ? homeFor(user.roles) : '/login');
  });

  router.get('/lang', (req, res) => {
    const to = req.query['to'] === 'en' ? 'en' : 'zh-CN';
    res.cookie(LANG_COOKIE, to, { sameSite: 'lax', path: '/', maxAge: 365 * 24 * 3600 * 1000 });
    res.redirect(303, safeLocalPath(req.query['back']) ?? '/');
  });

  router.get('/login', (req, res) => {
    sendLogin(req, res, { next: safeLocalPath(req.query['next']) ?? '' });
  });

  router.post('/login', signInFromThisSite, form, async (req, res) => {
    const ctx = contextOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = text(body['userId'], 100);
    const password = typeof body['password'] === 'string' ? body['password'] : '';
    const next = safeLocalPath(body['next']);
    if (!deps.sessions.loginTokenMatches(cookieValue(req, LOGIN_COOKIE), body['loginToken'])) {
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'signInExpired'), code: 'sign-in-form-expired' }, 403);
      return;
    }
    const address = req.ip ?? 'unknown';
    const now = deps.clock();
    const wait = await deps.throttle.retryAfter(userId, address, now.getTime());
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'tooManyAttempts', { minutes: Math.ceil(wait / 60) }), code: 'sign-in-locked' }, 429);
      return;
    }
    const signedIn = await deps.reads.signIn(userId, password);
    if (!signedIn) {
      await deps.throttle.recordFailure(userId, address, now.getTime());
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'wrongPassword'), code: 'wrong-password' }, 401);
      return;
    }
    await deps.throttle.recordSuccess(userId, address);
    // A session from before this sign-in (another user on a shared screen) ends here.
    await deps.sessions.end(cookieValue(req, SESSION_COOKIE));
    setSessionCookie(res, await deps.sessions.start(signedIn.userId, sessionKindFor(signedIn.roles)), secureCookies);
    clearLoginCookie(res, secureCookies);
    res.redirect(303, next && next !== '/login' ? next : homeFor(signedIn.roles));
  });

  router.post('/logout', guards.sameOrigin, form, guards.requireUser(), guards.requireFormToken, async (req, res) => {
    await deps.sessions.end(cookieValue(req, SESSION_COOKIE));
    clearSessionCookie(res, secureCookies);
    // The wallet keeps documents for offline use; signing out must not leave them on the phone.
    res.set('Clear-Site-Data', '"cache", "storage"');
    res.redirect(303, '/login');
  });

  return router;
}
