import { spawnSync } from 'node:child_process';

const known = new Map<string, boolean>();

/**
 * Whether an outside tool (openssl, pdfsig, qpdf, …) can be run. When it cannot: in CI
 * (`CI=true`) this throws, because a conformance check must not silently vanish there; elsewhere
 * it prints `skipping: <name> not installed` once and returns false.
 */
export function requireTool(name: string): boolean {
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  const probe = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const present = probe.status === 0 && probe.stdout.trim() !== '';
  if (!present) {
    if (process.env.CI === 'true') throw new Error(`${name} is required in CI but is not installed`);
    process.stdout.write(`skipping: ${name} not installed\n`);
  }
  known.set(name, present);
  return present;
}

/** `it` when every tool is present, else `it.skip` (see requireTool for CI). */
export function itWith(...tools: string[]): jest.It {
  return tools.every((tool) => requireTool(tool)) ? it : it.skip;
}
