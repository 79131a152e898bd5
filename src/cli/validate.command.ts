import { readFile } from 'node:fs/promises';
import { documentKinds, isDocumentKind } from '../domain/document/document';
import { validatePayload } from '../domain/document/document-kinds';
import { canonicalHash } from '../domain/shared/canonical-json';
import type { CliIo } from './cli-io';

/** `sdx validate KIND FILE`: 0 valid, 1 invalid (each problem with its field path), 2 unusable input. */
export async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [kind, file, ...rest] = args;
  if (!kind || !file || rest.length > 0) {
    io.err(`usage: sdx validate <${documentKinds.join('|')}> FILE.json`);
    return 2;
  }
  if (!isDocumentKind(kind)) {
    io.err(`sdx validate: unknown document kind "${kind}"; use one of ${documentKinds.join(', ')}`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    io.err(`sdx validate: ${file}: ${reason}`);
    return 2;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    io.err(`sdx validate: ${file}: not valid JSON`);
    return 2;
  }
  const result = validatePayload(kind, payload);
  if (!result.ok) {
    for (const issue of result.issues) io.out(`${issue.path || '(root)'}: ${issue.message} [${issue.code}]`);
    io.err(`${file}: not a valid ${kind} (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'})`);
    return 1;
  }
  io.out(`${file}: valid ${kind}, payload sha256 ${canonicalHash(result.value)}`);
  return 0;
}
