// Entry of one BoundedPdfVerifier thread: verifies one PDF at a time under the thread's time and
// memory limits. The ledger stays on the main thread; the worker asks for it by message.
import { parentPort } from 'node:worker_threads';
import type { TrustMaterial } from '../../pki/trust-material';
import type { FromVerifyWorker, LedgerEntry, ToVerifyWorker } from './verify-worker.protocol';
import { verifyPdf } from './verify-pdf';

const port = parentPort;
if (!port) throw new Error('verify-worker.js runs as a worker thread started by BoundedPdfVerifier, not on its own');

let trust: TrustMaterial | undefined;
const ledgerAnswers = new Map<number, { resolve(entry: LedgerEntry): void; reject(error: Error): void }>();

function send(message: FromVerifyWorker): void {
  port?.postMessage(message);
}

function askLedger(id: number, documentId: string): Promise<LedgerEntry> {
  return new Promise((resolve, reject) => {
    ledgerAnswers.set(id, { resolve, reject });
    send({ type: 'ledger', id, documentId });
  });
}

port.on('message', (message: ToVerifyWorker) => {
  if (message.type === 'trust') {
    trust ??= message.trust;
    send({ type: 'ready' });
    return;
  }
  if (message.type === 'verify') {
    const { id } = message;
    if (!trust) {
      send({ type: 'failed', id, message: 'the worker was asked to verify before it had its trust anchors' });
      return;
    }
    verifyPdf(message.pdf, {
      trust,
      now: message.now,
      ...(message.expectedPayloadHash !== undefined ? { expectedPayloadHash: message.expectedPayloadHash } : {}),
      ...(message.askLedger ? { ledger: (documentId: string) => askLedger(id, documentId) } : {}),
    }).then(
      (report) => send({ type: 'done', id, report }),
      (error: unknown) => send({ type: 'failed', id, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
    return;
  }
  const waiting = ledgerAnswers.get(message.id);
  ledgerAnswers.delete(message.id);
  if (message.type === 'ledger-answer') waiting?.resolve(message.entry);
  else waiting?.reject(new Error(message.message));
});
