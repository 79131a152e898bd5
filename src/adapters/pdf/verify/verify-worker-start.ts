// Starting a verification worker, kept apart from BoundedPdfVerifier so that `sdx verify` can start
// one first thing, before it loads the rest of itself: a worker takes ~20 ms to boot and ~15 ms to
// load the verifier, which then overlap with the tool's own start instead of following it.
import { Worker } from 'node:worker_threads';
import { resolveWorkerScript } from '../../worker-script';

export interface VerifyWorkerLimits {
  /** V8 old generation of the worker, in MB. */
  memoryLimitMb: number;
}

export const DEFAULT_VERIFY_MEMORY_MB = 256;

export function verifyWorkerScript(): string {
  return resolveWorkerScript('adapters/pdf/verify/verify-worker.js', __dirname, 'PDF verification worker');
}

/** A worker that has not been handed its trust anchors yet: it loads the verifier and waits. */
export function startVerifyWorker(file: string, limits: VerifyWorkerLimits): Worker {
  const worker = new Worker(file, {
    // The worker prints nothing: not piping its stdout and stderr to ours saves ~1.5 ms of its start.
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryLimitMb, maxYoungGenerationSizeMb: Math.min(32, limits.memoryLimitMb), stackSizeMb: 4 },
  });
  worker.unref();
  return worker;
}

interface Prestarted {
  file: string;
  memoryLimitMb: number;
  worker: Worker;
  /** Forgets the worker if it stops before it is taken. */
  drop: () => void;
}

const prestarted: Prestarted[] = [];

/**
 * Starts one worker with the default limits for the first BoundedPdfVerifier of this thread to
 * take. Unused, it keeps nothing alive; one that stops before it is taken is dropped.
 */
export function prestartVerifyWorker(): void {
  const file = verifyWorkerScript();
  const worker = startVerifyWorker(file, { memoryLimitMb: DEFAULT_VERIFY_MEMORY_MB });
  const drop = (): void => {
    const at = prestarted.indexOf(entry);
    if (at >= 0) prestarted.splice(at, 1);
  };
  const entry: Prestarted = { file, memoryLimitMb: DEFAULT_VERIFY_MEMORY_MB, worker, drop };
  prestarted.push(entry);
  // Until it is taken, a failure only means it is not used; whoever takes it listens from then on.
  worker.once('error', drop);
  worker.once('exit', drop);
}

/** A prestarted worker for `file` with these limits, if one is waiting; it is the caller's from now on. */
export function takePrestartedVerifyWorker(file: string, limits: VerifyWorkerLimits): Worker | undefined {
  const at = prestarted.findIndex((entry) => entry.file === file && entry.memoryLimitMb === limits.memoryLimitMb);
  if (at < 0) return undefined;
  const [entry] = prestarted.splice(at, 1);
  if (!entry) return undefined;
  entry.worker.off('error', entry.drop);
  entry.worker.off('exit', entry.drop);
  return entry.worker;
}
