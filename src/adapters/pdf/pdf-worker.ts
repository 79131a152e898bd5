// Entry of one PdfWorkerPool thread: builds its own render-and-sign pipeline once (fonts parsed,
// keys loaded here, so private keys never cross threads), then answers jobs one message each.
import { parentPort, workerData } from 'node:worker_threads';
import type { DocumentPdfs } from '../../application/ports/document-pdf.port';
import { openPdfToolkit } from '../../composition/pdf-toolkit';
import { ownedBytes, toWireError, type PdfJobMessage, type PdfWorkerConfig, type PdfWorkerReply } from './pdf-worker.protocol';

const port = parentPort;
if (!port) throw new Error('pdf-worker.js runs as a worker thread started by PdfWorkerPool, not on its own');

function reply(message: PdfWorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function run(pdfs: DocumentPdfs, job: PdfJobMessage): Promise<Uint8Array> {
  return job.type === 'render'
    ? pdfs.renderSigned(job.content, job.signerPartyId, job.signature)
    : pdfs.countersign(job.pdf, job.signerPartyId, job.signature);
}

const config = workerData as PdfWorkerConfig;
openPdfToolkit({ templatesDir: config.templatesDir, certsDir: config.certsDir }, config.settings, () => new Date()).then(
  (toolkit) => {
    port.on('message', (job: PdfJobMessage) => {
      run(toolkit.pdfs, job).then(
        (pdf) => {
          const owned = ownedBytes(pdf);
          reply({ type: 'done', id: job.id, pdf: owned }, [owned.buffer]);
        },
        (error: unknown) => reply({ type: 'failed', id: job.id, error: toWireError(error) }),
      );
    });
    reply({ type: 'ready' });
  },
  (error: unknown) => reply({ type: 'init-failed', error: toWireError(error) }),
);
