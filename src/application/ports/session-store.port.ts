/**
 * A web session, kept server-side: the browser's cookie carries only a random id (signed), and the
 * store holds the SHA-256 of that id, so that reading the store yields no usable cookie.
 *
 * `kind` decides the idle timeout: `desk` sessions (office and gate screens) end sooner than
 * `phone` sessions (drivers' wallets); see http/pages/session.ts for the rule.
 */
export type SessionKind = 'desk' | 'phone';
export const sessionKinds: readonly SessionKind[] = ['desk', 'phone'];

export interface WebSession {
  /** Hex SHA-256 of the session id the cookie carries. */
  idHash: string;
  userId: string;
  kind: SessionKind;
  createdAt: string;
  /** Last time the session was used, recorded at most about once a minute. */
  lastSeenAt: string;
  /** When the session ended (sign-out, password change, idle timeout, an operator); null while open. */
  endedAt: string | null;
}

/**
 * The sessions part of the store. Guarantees (proven by the contract suite):
 * - `addSession` MUST fail with `store-conflict` when the id hash is already stored.
 * - A session once ended MUST stay ended: no method reopens it, `touchSession` MUST NOT change it,
 *   and ending it again keeps the first `endedAt`.
 * - `touchSession` MUST only move `lastSeenAt` forward.
 * - `endUserSessions` MUST end every open session of the user and return how many it ended.
 * - The store's `setUserPassword` MUST end every open session of that user, in the same write as
 *   the new hash (a password change signs the user out everywhere).
 */
export interface SessionStore {
  addSession(session: WebSession): Promise<void>;
  getSession(idHash: string): Promise<WebSession | undefined>;
  touchSession(idHash: string, at: string): Promise<void>;
  /** True when this call ended it; false when it was already ended or is unknown. */
  endSession(idHash: string, at: string): Promise<boolean>;
  endUserSessions(userId: string, at: string): Promise<number>;
}
