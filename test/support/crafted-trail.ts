// Trails an operator holding the keys could make: events signed with the parties' real certs-dev
// keys, chained and numbered as the service does, and heads signed with the real log key.
import { createHash } from 'node:crypto';
import type { LoggedEvent } from '../../src/application/audit/audit-bundle';
import { signTreeHead, type SignedTreeHead } from '../../src/application/audit/tree-head';
import { openEvent, signEvent, type EventBody } from '../../src/application/events/signed-event';
import type { PartySigner } from '../../src/application/ports/key-store.port';
import { PemDirectoryKeyStore } from '../../src/adapters/pki/file-key-store';
import { emptyRoot, leafHash } from '../../src/domain/audit-log/merkle-hash';
import { appendLeaves, rootFromFrontier, type Frontier } from '../../src/domain/audit-log/merkle-tree';
import { openLogSigner } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { certsDev } from './certs-dev';

export const partyKeys = new PemDirectoryKeyStore(certsDev);
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A head the log key signs over these events, as an operator holding the log key could make. */
export async function headOver(events: readonly LoggedEvent[], timestamp = new Date().toISOString()): Promise<SignedTreeHead> {
  let size = 0;
  let frontier: Frontier = [];
  for (const e of events) ({ size, frontier } = appendLeaves(size, frontier, [leafHash(Buffer.from(e.envelope, 'utf8'))]));
  const rootHash = Buffer.from(size === 0 ? emptyRoot() : rootFromFrontier(size, frontier)).toString('hex');
  return signTreeHead({ size, rootHash, timestamp }, openLogSigner(settingsOrThrow()));
}

/**
 * The events with one more appended to its document: seq and prev follow the document's last
 * event, the log index the end of the log; signed by the actor's own key unless `signer` is given.
 */
export async function appendEvent(
  events: readonly LoggedEvent[],
  body: Omit<EventBody, 'v' | 'seq' | 'prev' | 'at'> & { at?: string },
  extra: { payload?: unknown; signer?: PartySigner } = {},
): Promise<LoggedEvent[]> {
  const last = [...events].reverse().find((e) => e.documentId === body.documentId);
  const full: EventBody = {
    v: 1,
    ...body,
    at: body.at ?? new Date().toISOString(),
    seq: (last?.seq ?? 0) + 1,
    prev: last ? sha256Hex(last.envelope) : null,
  };
  const envelope = await signEvent(full, extra.signer ?? (await partyKeys.signerFor(full.actor.partyId)));
  const row: LoggedEvent = { logIndex: events.length, documentId: full.documentId, seq: full.seq, envelope };
  if (extra.payload !== undefined) row.payload = extra.payload;
  return [...events, row];
}

export const bodyOf = (e: LoggedEvent): EventBody => openEvent(e.envelope).body;
