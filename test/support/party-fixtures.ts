import type { ApiKeyRecord, User } from '../../src/application/ports/store.port';
import type { Party, PartyId, PartyRole } from '../../src/domain/party/party';
import { issuedAt, sha256Hex } from './document-fixtures';

export function party(id: PartyId, roles: PartyRole[], overrides: Partial<Party> = {}): Party {
  return { id, name: { en: `${id} Ltd` }, roles, identifiers: {}, ...overrides };
}

export function user(id: string, partyId: PartyId): User {
  return { id, partyId, name: `Clerk ${id}`, createdAt: issuedAt };
}

/** An API key record for `secret`; only its hash is stored, as the port requires. */
export function apiKey(id: string, userId: string, secret: string): ApiKeyRecord {
  return { id, userId, keyHash: sha256Hex(secret), label: `key ${id}`, createdAt: issuedAt, revokedAt: null };
}
