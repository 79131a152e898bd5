// One verification on the caller's own thread, for a tool that verifies a single file: it pays
// neither a worker's start (~50 ms of a ~100 ms node start here) nor the copy of the PDF to it.
import { Script, createContext } from 'node:vm';
import type { PdfVerificationReport } from '../../../domain/verification/pdf-report';
import { DEFAULT_VERIFY_TIME_LIMIT_MS, stoppedReport, timedOutMessage } from './stopped-verification';
import { verifyPdfOffline, type OfflineVerificationOptions } from './verify-pdf';

const runVerification = new Script('verification()');

/**
 * verifyPdfOffline under the same hard time limit as a worker: Node's vm watchdog terminates the
 * call when it runs over, in whatever loop it is, and the caller gets a `verification-timed-out`
 * report. The thread has no heap limit of its own (V8's `resourceLimits` exist only for workers):
 * memory is bounded by VERIFY_LIMITS alone, which is why the service and archives verify on
 * workers (bounded-verifier.ts). A stop ends the verification without unwinding it, so what the
 * verifier caches for those bytes may be left half-built: meant for a tool that verifies one file
 * and exits (a worker, by contrast, is thrown away with its caches).
 */
export function verifyInThisThread(pdf: Uint8Array, options: OfflineVerificationOptions, timeLimitMs = DEFAULT_VERIFY_TIME_LIMIT_MS): PdfVerificationReport {
  if (!Number.isInteger(timeLimitMs) || timeLimitMs < 1) throw new Error(`a verification's time limit is a whole number of ms, not ${timeLimitMs}`);
  const context = createContext({ verification: (): PdfVerificationReport => verifyPdfOffline(pdf, options) });
  try {
    return runVerification.runInContext(context, { timeout: timeLimitMs }) as PdfVerificationReport;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return stoppedReport('verification-timed-out', timedOutMessage(timeLimitMs));
    }
    throw error;
  }
}
