import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { PageReads } from '../../application/page-reads';
import type { SessionKind, SessionStore } from '../../application/ports/session-store.port';
import { sendProblem } from '../problem';
import { languageOf, t } from './i18n';
import type { PageContext, PageUser } from './layout';
import { messageView } from './login.view';
import { send } from './page-kit';

/**
 * Web sessions kept server-side. The cookie is `s2.<id>.<mac>`: a random 256-bit id under an
 * HMAC-SHA-256 of the deployment's session secret (so a guessed or altered cookie is refused before
 * the store is read); the store keeps the SHA-256 of the id with the user, the kind, when it began,
 * when it was last used and when it ended. A session ends at sign-out, when the user's password
 * changes, when an operator ends the user's sessions, after it has been idle longer than its
 * kind's timeout, and at the latest `MAX_SESSION_MS` after sign-in. Cookies of the earlier
 * stateless format (`v1.`) are not sessions: their holders sign in again.
 *
 * Desk or phone: a user whose home page is the wallet (`/m/`, drivers and the parties that only
 * hold documents) gets a phone session; everyone else (desks, gate clerks, auditors) a desk session.
 */
export const SESSION_COOKIE = 'sdx_session';
/** The pre-session cookie the sign-in form's token is bound to. */
export const LOGIN_COOKIE = 'sdx_login';

export interface IdleTimeouts {
  desk: number;
  phone: number;
}

/** However busy, a session ends a week after sign-in. */
export const MAX_SESSION_MS = 7 * 24 * 3600_000;
/** Last-seen is written at most this often per session, to keep writes low. */
export const TOUCH_EVERY_MS = 60_000;
/** How long a sign-in form (its pre-session cookie and token) stays usable. */
const LOGIN_FORM_MS = 12 * 3600_000;

/** An open session, as a page sees it. */
export interface OpenSession {
  /** SHA-256 of the id: names the session (e.g. to count its streams) without being a credential. */
  key: string;
  userId: string;
  kind: SessionKind;
  /** Bound to the session, so a form token from one session is useless in another. */
  csrfToken: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Compares a submitted token with the expected one, in constant time. */
export function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class WebSessions {
  constructor(
    private readonly options: {
      secret: Uint8Array;
      store: SessionStore;
      clock: () => Date;
      idle: IdleTimeouts;
    },
  ) {}

  private mac(text: string): string {
    return createHmac('sha256', this.options.secret).update(text, 'utf8').digest('base64url');
  }

  /** Starts a session for the user; returns the cookie value. */
  async start(userId: string, kind: SessionKind): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = this.options.clock().toISOString();
    await this.options.store.addSession({ idHash: sha256(id), userId, kind, createdAt: now, lastSeenAt: now, endedAt: null });
    const body = `s2.${id}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The id in a cookie whose MAC holds; anything else (including the old `v1.` format) is none. */
  private idOf(cookie: string | undefined): string | undefined {
    if (!cookie || cookie.length > 200) return undefined;
    const parts = cookie.split('.');
    if (parts.length !== 3 || parts[0] !== 's2') return undefined;
    const [, id = '', mac = ''] = parts;
    return sameToken(this.mac(`s2.${id}`), mac) ? id : undefined;
  }

  /**
   * The open session a cookie names, or undefined. A session found idle past its kind's timeout,
   * or older than the maximum, is ended here; an open one has its last-seen moved on (at most
   * once a minute).
   */
  async open(cookie: string | undefined): Promise<OpenSession | undefined> {
    const id = this.idOf(cookie);
    if (id === undefined) return undefined;
    const key = sha256(id);
    const session = await this.options.store.getSession(key);
    if (!session || session.endedAt !== null) return undefined;
    const now = this.options.clock();
    const idleMs = now.getTime() - Date.parse(session.lastSeenAt);
    if (idleMs > this.options.idle[session.kind] || now.getTime() - Date.parse(session.createdAt) > MAX_SESSION_MS) {
      await this.options.store.endSession(key, now.toISOString());
      return undefined;
    }
    if (idleMs >= TOUCH_EVERY_MS) await this.options.store.touchSession(key, now.toISOString());
    return { key, userId: session.userId, kind: session.kind, csrfToken: this.mac(`csrf:${id}`) };
  }

  /** Ends the session a cookie names (sign-out); a cookie that names none is ignored. */
  async end(cookie: string | undefined): Promise<void> {
    const id = this.idOf(cookie);
    if (id !== undefined) await this.options.store.endSession(sha256(id), this.options.clock().toISOString());
  }

  /**
   * The sign-in form's pre-session: a cookie `l1.<nonce>.<expires>.<mac>` and the form token bound
   * to it. A still-valid cookie is kept, so that two sign-in tabs both work.
   */
  loginChallenge(existing: string | undefined): { cookie: string; token: string } {
    const nonce = this.loginNonce(existing);
    if (nonce !== undefined && existing !== undefined) return { cookie: existing, token: this.mac(`login-form:${nonce}`) };
    const fresh = randomBytes(18).toString('base64url');
    const body = `l1.${fresh}.${Math.floor((this.options.clock().getTime() + LOGIN_FORM_MS) / 1000)}`;
    return { cookie: `${body}.${this.mac(body)}`, token: this.mac(`login-form:${fresh}`) };
  }

  /** True when the pre-session cookie is genuine and unexpired and the token is the one bound to it. */
  loginTokenMatches(cookie: string | undefined, token: unknown): boolean {
    const nonce = this.loginNonce(cookie);
    return nonce !== undefined && sameToken(this.mac(`login-form:${nonce}`), token);
  }

  private loginNonce(cookie: string | undefined): string | undefined {
    if (!cookie || cookie.length > 200) return undefined;
    const parts = cookie.split('.');
    if (parts.length !== 4 || parts[0] !== 'l1') return undefined;
    const [, nonce = '', expires = '', mac = ''] = parts;
    if (!sameToken(this.mac(`l1.${nonce}.${expires}`), mac)) return undefined;
    const expiresAt = Number(expires);
    return Number.isSafeInteger(expiresAt) && expiresAt * 1000 > this.options.clock().getTime() ? nonce : undefined;
  }
}

/** Reads one cookie without a parser dependency; names are ours, values are opaque. */
export function cookieValue(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * `Secure` when the deployment is served over https; a localhost demo runs on http. The browser
 * keeps the cookie up to the session's maximum age; the server decides whether it is still a session.
 */
export function setSessionCookie(res: Response, value: string, secure: boolean): void {
  res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: MAX_SESSION_MS });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}

/** Sent only to the sign-in route, never readable by script, never sent by another site's form. */
export function setLoginCookie(res: Response, value: string, secure: boolean): void {
  res.cookie(LOGIN_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: '/login', maxAge: LOGIN_FORM_MS });
}

export function clearLoginCookie(res: Response, secure: boolean): void {
  res.clearCookie(LOGIN_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/login' });
}

// ---- The pages' session and CSRF guards (every page route file uses these).

const users = new WeakMap<Request, PageUser>();

/** The signed-in user of a request that passed `requireUser`. */
export function userOf(req: Request): PageUser {
  const user = users.get(req);
  if (!user) throw new Error('userOf used on a page without requireUser');
  return user;
}

/** The signed-in user when there is one (pages that need none still show who is signed in). */
export function maybeUserOf(req: Request): PageUser | undefined {
  return users.get(req);
}

export function contextOf(req: Request): PageContext {
  const user = users.get(req);
  return { lang: languageOf(req), path: req.originalUrl, ...(user ? { user } : {}) };
}

/** The origin (scheme://host[:port]) of a URL header value, or undefined when it is not one. */
function originOf(value: string | undefined): URL | undefined {
  if (!value || value === 'null') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export interface PageGuards {
  /** `Secure` cookies when the deployment is served over https. */
  secureCookies: boolean;
  /** Loads the session when there is one. */
  withSession: RequestHandler;
  /** Sends to sign-in without a session; 403 without one of `roles`. */
  requireUser: (roles?: readonly string[]) => RequestHandler;
  /** The form's CSRF token must be the session's. */
  requireFormToken: RequestHandler;
  /** Signed-in forms: a foreign Origin is refused. */
  sameOrigin: RequestHandler;
  /** Sign-in: Origin or Referer must prove the request comes from this site; `refuseHtml` answers a browser. */
  signInFromThisSite: (refuseHtml: (req: Request, res: Response) => void) => RequestHandler;
}

export function pageGuards(deps: { sessions: WebSessions; reads: PageReads; publicUrl: string }): PageGuards {
  const secureCookies = deps.publicUrl.startsWith('https:');
  const publicOrigin = originOf(deps.publicUrl)?.origin;

  async function sessionUser(req: Request): Promise<PageUser | undefined> {
    const opened = await deps.sessions.open(cookieValue(req, SESSION_COOKIE));
    if (!opened) return undefined;
    const principal = await deps.reads.principal(opened.userId);
    if (!principal) return undefined;
    const { party } = principal;
    return {
      userId: principal.userId,
      userName: principal.userName,
      partyId: party.id,
      partyName: { en: party.name.en, zh: party.name.zh ?? party.name.en },
      roles: party.roles,
      csrfToken: opened.csrfToken,
      sessionKey: opened.key,
    };
  }

  const withSession: RequestHandler = async (req, _res, next) => {
    if (req.path.startsWith('/api/')) {
      next();
      return;
    }
    const user = await sessionUser(req);
    if (user) users.set(req, user);
    next();
  };

  const requireUser =
    (roles?: readonly string[]): RequestHandler =>
    (req, res, next) => {
      const user = users.get(req);
      if (!user) {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      if (roles && !roles.some((role) => user.roles.includes(role))) {
        const ctx = contextOf(req);
        send(res, messageView(ctx, t(ctx.lang, 'notAllowed'), t(ctx.lang, 'notAllowed')), 403);
        return;
      }
      next();
    };

  /** SameSite=Strict keeps other sites' forms from carrying the cookie; the token is the second lock. */
  const requireFormToken: RequestHandler = (req, res, next) => {
    const body: unknown = req.body;
    const given = typeof body === 'object' && body !== null && 'csrf' in body ? body.csrf : undefined;
    if (!sameToken(userOf(req).csrfToken, given)) {
      const ctx = contextOf(req);
      send(res, messageView(ctx, t(ctx.lang, 'formExpired'), t(ctx.lang, 'formExpired')), 403);
      return;
    }
    next();
  };

  /** This service's own origin: the one in SDX_PUBLIC_URL, or the host the request was sent to. */
  const isOwnOrigin = (url: URL | undefined, req: Request): boolean =>
    url !== undefined && (url.origin === publicOrigin || url.host === req.get('host'));

  const sameOrigin: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origin !== 'null' && !isOwnOrigin(originOf(origin), req)) {
      sendProblem(res, { status: 403, code: 'cross-origin-form', detail: 'forms are accepted from this site only' });
      return;
    }
    next();
  };

  /**
   * Sign-in, where no session cookie protects the form: the request must prove it comes from this
   * site, by its Origin, or (a browser that sends none) its Referer. `Origin: null` (a sandboxed
   * frame, a privacy redirect) and neither header are refused, so another site cannot sign a
   * victim in as someone else (login CSRF).
   */
  const signInFromThisSite =
    (refuseHtml: (req: Request, res: Response) => void): RequestHandler =>
    (req, res, next) => {
      const origin = req.get('origin');
      const proven = origin !== undefined ? isOwnOrigin(originOf(origin), req) : isOwnOrigin(originOf(req.get('referer')), req);
      if (proven) {
        next();
        return;
      }
      if (req.accepts(['json', 'html']) === 'html') {
        refuseHtml(req, res);
        return;
      }
      sendProblem(res, { status: 403, code: 'cross-site-request', detail: 'sign-in is accepted only from this site’s own sign-in page (same-origin Origin or Referer)' });
    };

  return { secureCookies, withSession, requireUser, requireFormToken, sameOrigin, signInFromThisSite };
}
