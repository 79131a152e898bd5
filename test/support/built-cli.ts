import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './examples';

/** The compiled `sdx` entry point; `npm test` builds it before jest runs. */
export const sdxBin = join(repoRoot, 'dist', 'cli', 'sdx.js');

function requireBuild(): void {
  if (!existsSync(sdxBin)) throw new Error(`${sdxBin} is missing: run "npm run build" first (npm test does)`);
}

export function runSdx(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  requireBuild();
  const result = spawnSync(process.execPath, [sdxBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 45_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function startSdx(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  requireBuild();
  return spawn(process.execPath, [sdxBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
}

/** Resolves with the first stdout match of `pattern`, or rejects when the process exits or time runs out. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sdx exited with ${code} before printing ${pattern}:\n${seen}`));
    });
  });
}

export function exitOf(child: ChildProcessWithoutNullStreams, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('sdx did not exit in time'));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export { spawnSync };
