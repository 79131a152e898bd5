// The messages between PdfWorkerPool (main thread) and pdf-worker.js. Everything here crosses a
// thread by structured clone, which keeps plain data, Dates and typed arrays but drops classes:
// errors travel as WireError and are re-created on the other side.
import type { PdfContent, SignatureRequest } from '../../application/ports/document-pdf.port';
import type { PartyId } from '../../domain/party/party';
import type { PadesLevel } from './sign/pades-ltv';
import { RefusalError, SdxError, ValidationError, type ErrorCode, type Refusal, type ValidationIssue } from '../../domain/shared/errors';

/** What a worker needs to build its own pipeline; keys are loaded inside the worker from this. */
export interface PdfWorkerConfig {
  templatesDir: string;
  certsDir: string;
  settings: PdfSettings;
}

/**
 * The settings the key store, the TSA and the long-term levels read, as src/settings.ts parses them
 * (plain data: it crosses to the worker threads).
 */
export interface PdfSettings {
  readonly masterKey?: Uint8Array;
  readonly keysDir?: string;
  readonly tsaUrl?: string;
  readonly devTsaPolicy?: string;
  /** Absent: B-T. */
  readonly padesLevel?: PadesLevel;
  readonly ocspUrl?: string;
  readonly crlRefreshMs: number;
}

export type PdfJob =
  | { type: 'render'; content: PdfContent; signerPartyId: PartyId; signature: SignatureRequest }
  | { type: 'countersign'; pdf: Uint8Array; signerPartyId: PartyId; signature: SignatureRequest };

export type PdfJobMessage = PdfJob & { id: number };

export type PdfWorkerReply =
  | { type: 'ready' }
  | { type: 'init-failed'; error: WireError }
  | { type: 'done'; id: number; pdf: Uint8Array }
  | { type: 'failed'; id: number; error: WireError };

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
  issues?: readonly ValidationIssue[];
  refusal?: Refusal;
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof ValidationError) return { ...wire, code: error.code, issues: error.issues };
  if (error instanceof RefusalError) return { ...wire, code: error.code, refusal: error.refusal };
  if (error instanceof SdxError) return { ...wire, code: error.code };
  return wire;
}

/** The same class, code and message as thrown in the worker, so that callers map it as if in-process. */
export function fromWireError(wire: WireError): Error {
  let error: Error;
  if (wire.issues) error = new ValidationError(wire.issues);
  else if (wire.refusal) error = new RefusalError(wire.refusal);
  else if (wire.code) error = new SdxError(wire.code, wire.message);
  else {
    error = new Error(wire.message);
    error.name = wire.name;
  }
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/**
 * `bytes` as a Uint8Array that owns exactly its ArrayBuffer, ready to be transferred: cloning a view
 * clones its whole backing buffer, and transferring one that is shared (Node's Buffer pool, a view
 * into a larger blob) would detach bytes that belong to others. `new Uint8Array(view)` copies;
 * `Buffer#slice` would not.
 */
export function ownedBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return new Uint8Array(buffer);
  return new Uint8Array(bytes);
}
