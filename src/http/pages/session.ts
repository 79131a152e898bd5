import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { User } from '../../application/ports/store.port';

/**
 * Web sessions in a signed cookie: `v1.<user>.<expires>.<password tag>.<nonce>.<mac>`. Stateless,
 * so every process of a deployment accepts it; the password tag makes a password change end
 * every session of that user, and the MAC (HMAC-SHA-256, compared in constant time) makes the
 * cookie unforgeable without the deployment's session secret.
 */
export const SESSION_COOKIE = 'sdx_session';
export const SESSION_SECONDS = 12 * 3600;

export interface Session {
  userId: string;
  expires: number;
  /** Bound to the cookie, so a form token from one session is useless in another. */
  csrfToken: string;
}

const b64u = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function passwordTag(user: Pick<User, 'passwordHash'>): string {
  return createHash('sha256').update(user.passwordHash ?? '').digest('base64url').slice(0, 12);
}

export class SessionCodec {
  constructor(private readonly secret: Uint8Array) {}

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text, 'utf8').digest('base64url');
  }

  issue(user: Pick<User, 'id' | 'passwordHash'>, now: Date): string {
    const expires = Math.floor(now.getTime() / 1000) + SESSION_SECONDS;
    const body = `v1.${b64u(user.id)}.${expires}.${passwordTag(user)}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The cookie's claims when its MAC holds and it has not expired; the user is checked by the caller. */
  open(cookie: string, now: Date): { userId: string; expires: number; tag: string; csrfToken: string } | undefined {
    const parts = cookie.split('.');
    if (parts.length !== 6 || parts[0] !== 'v1' || cookie.length > 512) return undefined;
    const [, user = '', expires = '', tag = '', , mac = ''] = parts;
    const body = parts.slice(0, 5).join('.');
    const expected = Buffer.from(this.mac(body), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const expiresAt = Number(expires);
    if (!Number.isSafeInteger(expiresAt) || expiresAt * 1000 <= now.getTime()) return undefined;
    const userId = Buffer.from(user, 'base64url').toString('utf8');
    return { userId, expires: expiresAt, tag, csrfToken: this.mac(`csrf:${body}`) };
  }

  matchesPassword(tag: string, user: Pick<User, 'passwordHash'>): boolean {
    const expected = Buffer.from(passwordTag(user));
    const given = Buffer.from(tag);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Compares a submitted form token with the session's, in constant time. */
  static sameToken(expected: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
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

/** `Secure` when the deployment is served over https; a localhost demo runs on http. */
export function setSessionCookie(res: Response, value: string, secure: boolean): void {
  res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_SECONDS * 1000 });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}
