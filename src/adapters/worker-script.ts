import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A worker thread's entry runs as JavaScript: beside the module that starts it when that module
 * runs compiled, else (under jest, which compiles src/*.ts in memory) the project's build in dist/.
 * `distPath` is the entry's path inside dist/, e.g. `adapters/pdf/pdf-worker.js`.
 */
export function resolveWorkerScript(distPath: string, moduleDir: string, what: string): string {
  const beside = join(moduleDir, basename(distPath));
  if (existsSync(beside)) return beside;
  let root = moduleDir;
  while (!existsSync(join(root, 'package.json')) && root !== dirname(root)) root = dirname(root);
  const built = join(root, 'dist', distPath);
  if (existsSync(built)) return built;
  throw new Error(`the ${what} script is missing (looked for ${beside} and ${built}); run "npm run build" first`);
}
