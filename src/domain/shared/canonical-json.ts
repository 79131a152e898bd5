import { createHash } from 'node:crypto';
import { SdxError } from './errors';

/**
 * RFC 8785 JSON Canonicalization Scheme. ECMAScript's own number and string serialisation is what
 * the RFC specifies, so JSON.stringify does the leaf work; we add key ordering by UTF-16 code units
 * and refuse what I-JSON forbids (non-finite numbers, lone surrogates) instead of guessing.
 */
export function canonicalize(value: unknown): string {
  return serialise(value, '');
}

function serialise(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notCanonical(path, 'numbers must be finite');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) throw notCanonical(path, 'strings must be valid Unicode (lone surrogate found)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => serialise(item, `${path}[${i}]`)).join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // Default sort compares UTF-16 code units, which is the order RFC 8785 section 3.2.3 asks for.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const members = entries.map(([k, v]) => {
      if (hasLoneSurrogate(k)) throw notCanonical(path, `property name is not valid Unicode`);
      return `${JSON.stringify(k)}:${serialise(v, path ? `${path}.${k}` : k)}`;
    });
    return `{${members.join(',')}}`;
  }
  throw notCanonical(path, `a ${typeof value} has no JSON form`);
}

function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function notCanonical(path: string, reason: string): SdxError {
  return new SdxError('not-canonicalizable', `${path || '(root)'}: ${reason}`);
}

/** SHA-256 (lowercase hex) of the RFC 8785 form: the identity of a payload or an event. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalize(value), 'utf8').digest('hex');
}
