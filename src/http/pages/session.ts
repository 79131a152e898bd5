import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { SessionKind, SessionStore } from '../../application/ports/session-store.port';

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

/** 30 minutes at a desk, 12 hours on a phone (in milliseconds). */
export const DEFAULT_IDLE_TIMEOUTS: IdleTimeouts = { desk: 30 * 60_000, phone: 12 * 3600_000 };
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
