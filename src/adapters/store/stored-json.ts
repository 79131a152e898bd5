import type { DocumentState } from '../../domain/document/document';
import { partySchema, type Party } from '../../domain/party/party';
import { SdxError, ValidationError } from '../../domain/shared/errors';
import type { StoredDocument, StoredEvent } from '../../application/ports/store.port';

/*
 * Both stores keep parties, payloads and document states as JSON text (BSON would not round-trip
 * `-0`, `$` keys or empty objects), and check what they read back before trusting it.
 */

export function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) {
    throw new ValidationError([{ path: what, code: 'not-json', message: `${what} cannot be stored as JSON` }]);
  }
  return text;
}

export function fromJson(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw new SdxError('store-corrupt', `${what} is not stored as JSON text`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SdxError('store-corrupt', `${what} is not valid JSON`, { cause: error });
  }
}

export function storedParty(text: unknown, id: string): Party {
  const parsed = partySchema.safeParse(fromJson(text, `party ${id}`));
  if (!parsed.success || parsed.data.id !== id) {
    throw new SdxError('store-corrupt', `stored party ${id} is not a valid party`);
  }
  return parsed.data;
}

/** A state is written only by `commit`; check it still belongs to its document before trusting it. */
export function storedState(text: unknown, id: string): DocumentState {
  const value = fromJson(text, `state of document ${id}`);
  if (
    typeof value !== 'object' ||
    value === null ||
    !('id' in value) ||
    value.id !== id ||
    !('participants' in value) ||
    !Array.isArray(value.participants)
  ) {
    throw new SdxError('store-corrupt', `stored state of document ${id} is not a document state`);
  }
  return value as DocumentState;
}

/** The columns of a document row both SQL stores read back (snake_case, as stored). */
export interface DocumentRowColumns {
  id: string;
  seq: number;
  payload: string;
  state: string;
  created_at: string;
  updated_at: string;
}

export interface EventRow {
  document_id: string;
  seq: number;
  log_index: number;
  hash: string;
  type: string;
  actor: string;
  recorded_at: string;
  envelope: string;
}

export function toStoredDocument(row: DocumentRowColumns): StoredDocument {
  return {
    state: storedState(row.state, row.id),
    payload: fromJson(row.payload, `payload of document ${row.id}`),
    seq: row.seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    documentId: row.document_id,
    seq: row.seq,
    logIndex: row.log_index,
    hash: row.hash,
    type: row.type,
    actor: row.actor,
    recordedAt: row.recorded_at,
    envelope: row.envelope,
  };
}
