// The messages between BoundedPdfVerifier (main thread) and verify-worker.js, all structured-cloned.
import type { TrustMaterial } from '../../pki/trust-material';
import type { LedgerRecord, PdfVerificationReport } from './verify-pdf';

/** What the ledger knows of a document, as `PdfVerificationOptions.ledger` returns it. */
export type LedgerEntry = LedgerRecord | undefined;

export type ToVerifyWorker =
  /** First, once: the worker answers `ready`. A worker can start before the trust anchors are known. */
  | { type: 'trust'; trust: TrustMaterial }
  | { type: 'verify'; id: number; pdf: Uint8Array; now: Date; expectedPayloadHash?: string; askLedger: boolean }
  | { type: 'ledger-answer'; id: number; entry: LedgerEntry }
  | { type: 'ledger-failed'; id: number; message: string };

export type FromVerifyWorker =
  | { type: 'ready' }
  | { type: 'ledger'; id: number; documentId: string }
  | { type: 'done'; id: number; report: PdfVerificationReport }
  | { type: 'failed'; id: number; message: string };
