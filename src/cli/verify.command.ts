import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BoundedPdfVerifier, unusableInputFinding } from '../adapters/pdf/verify/bounded-verifier';
import { VERIFY_LIMITS } from '../adapters/pdf/verify/verify-limits';
import { resourcePaths, trustFromCertsDir } from '../main';
import type { CliIo } from './cli-io';

const marks = { valid: 'ok  ', invalid: 'FAIL', indeterminate: 'LOOK', error: 'ERR ', skipped: 'skip' } as const;

/**
 * `sdx verify FILE.pdf [--trust PEM ...] [--json]`: 0 valid, 1 not valid, 2 unusable input (not a
 * PDF, unreadable, or beyond the verifier's limits, which include a time and memory limit).
 */
export async function verifyCommand(args: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: { values: { trust?: string[]; json?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { trust: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`sdx verify: ${(error as Error).message}`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    io.err('usage: sdx verify FILE.pdf [--trust PEM ...] [--json]');
    return 2;
  }
  let bytes: Uint8Array;
  let anchors: string[];
  try {
    const { size } = await stat(file);
    if (size > VERIFY_LIMITS.maxPdfBytes) {
      io.err(`sdx verify: ${file} has ${size} bytes; the verifier reads at most ${VERIFY_LIMITS.maxPdfBytes} [pdf-too-large]`);
      return 2;
    }
    bytes = await readFile(file);
    anchors = await Promise.all((parsed.values.trust ?? []).map((pem) => readFile(pem, 'utf8')));
  } catch (error) {
    io.err(`sdx verify: cannot read ${(error as NodeJS.ErrnoException).path ?? file}`);
    return 2;
  }
  const verifier = new BoundedPdfVerifier({ trust: trustFromCertsDir(resourcePaths(env).certsDir, anchors) });
  const report = await verifier.verify(bytes, { now: new Date() }).finally(() => verifier.close());
  if (parsed.values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    for (const f of report.findings) io.out(`${marks[f.status]} ${f.check}: ${f.message} [${f.code}]`);
    io.out(`verdict: ${report.verdict}`);
  }
  const unusable = unusableInputFinding(report);
  if (unusable) {
    io.err(`sdx verify: ${file} cannot be verified: ${unusable.message} [${unusable.code}]`);
    return 2;
  }
  return report.verdict === 'valid' ? 0 : 1;
}
