/**
 * What a platform keeps of its exchanges with peers, beside documents and events:
 * - peer sends: the outbox of envelopes and notices to peer platforms, one row added in the
 *   transaction of the event that causes it (like webhook deliveries), sent until a signed answer;
 * - records: short keyed facts every node must share — request ids seen (against replay),
 *   envelopes waiting for their additional documents, the documents this platform sent by last
 *   chain-entry checksum.
 * Guarantees (stores/federation tests): `claimPeerSends` hands a due row to one claimant until
 * `leaseUntil`; `remember` inserts only when no unexpired record of (kind, key) exists, atomically.
 */
export type PeerSendKind = 'envelope' | 'notice';

export interface PeerSend {
  id: string;
  peer: string;
  documentId: string;
  kind: PeerSendKind;
  /** What to send, as the sender's JSON (built once, so every retry sends the same signed bytes). */
  body: string;
  status: 'pending' | 'done';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  doneAt: string | null;
}

export interface PeerSendAttempt {
  at: string;
  done: boolean;
  error: string | null;
  /** When to try again, when not done. */
  nextAttemptAt: string | null;
}

export interface FederationStore {
  claimPeerSends(now: string, leaseUntil: string, limit: number): Promise<PeerSend[]>;
  recordPeerSendAttempt(id: string, attempt: PeerSendAttempt): Promise<void>;
  listPeerSends(documentId: string): Promise<PeerSend[]>;
  /** Sends not yet answered, soonest next try first, at most `limit`: what the operator watches. */
  listPendingPeerSends(limit: number): Promise<PeerSend[]>;
  /** Stores (kind, key) → value unless an unexpired record of it exists; true when stored. Expired records of the kind go. */
  remember(kind: string, key: string, value: string, expiresAt: string | null, now: string): Promise<boolean>;
  /** The unexpired value of (kind, key). */
  recall(kind: string, key: string, now: string): Promise<string | undefined>;
}
