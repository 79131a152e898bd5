import type { Request, Response } from 'express';
import type { Caller } from '../../application/document-service';
import type { SessionKind } from '../../application/ports/session-store.port';
import type { Html } from './html';
import type { PageUser } from './layout';

/** Response and input helpers every page route uses. */
export function send(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body.text);
}

export const callerOf = (user: PageUser): Caller => ({ partyId: user.partyId, userId: user.userId });

/** Only same-site paths; never `//host` or a scheme, so a link cannot bounce a user elsewhere. */
export function safeLocalPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 500 ? value : undefined;
}

export function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

export function homeFor(roles: readonly string[]): string {
  if (roles.includes('auditor')) return '/audit';
  if (roles.includes('terminal') || roles.includes('depot')) return '/gate';
  if (roles.some((role) => role === 'carrier-agent' || role === 'carrier' || role === 'shipper')) return '/desk';
  return '/m/';
}

/**
 * Phone sessions (the longer idle timeout) for users whose home is the wallet; desk sessions for
 * everyone else, gate clerks included (a gate screen is shared and stays in one place).
 */
export function sessionKindFor(roles: readonly string[]): SessionKind {
  return homeFor(roles) === '/m/' ? 'phone' : 'desk';
}

export type { Request };
