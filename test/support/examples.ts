import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentKind } from '../../src/domain/document/document';
import { validatePayload, type PayloadByKind } from '../../src/domain/document/document-kinds';

export const repoRoot = join(__dirname, '..', '..');

export function examplePath(kind: DocumentKind): string {
  return join(repoRoot, 'templates', 'examples', `${kind}.json`);
}

/** A fresh, mutable copy of the committed example payload for a kind. */
export function exampleJson(kind: DocumentKind): Record<string, unknown> {
  return JSON.parse(readFileSync(examplePath(kind), 'utf8')) as Record<string, unknown>;
}

export function examplePayload<K extends DocumentKind>(kind: K): PayloadByKind[K] {
  const result = validatePayload(kind, exampleJson(kind));
  if (!result.ok) throw new Error(`example ${kind} is invalid: ${JSON.stringify(result.issues)}`);
  return result.value;
}

const DELETE = Symbol('delete');
/** Marks a field for removal in `exampleWith`. */
export const removed: typeof DELETE = DELETE;

/**
 * The example payload with fields set or removed by path, e.g.
 * `exampleWith('eir', { 'container.number': 'CSQU3054384', haulier: removed })`.
 */
export function exampleWith(kind: DocumentKind, changes: Record<string, unknown>): Record<string, unknown> {
  const payload = exampleJson(kind);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
    let node: Record<string, unknown> = payload;
    keys.slice(0, -1).forEach((key) => {
      node = node[key] as Record<string, unknown>;
    });
    const last = keys[keys.length - 1] as string;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return payload;
}
