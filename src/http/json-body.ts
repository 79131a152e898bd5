import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { ValidationError } from '../domain/shared/errors';

/** The media types read as JSON; anything else sent to a JSON route is 415. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** At most this many bytes of JSON per request (after any Content-Encoding is undone). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/**
 * Reads JSON bodies (UTF-8 only, RFC 8259 §8.1) and refuses a name that appears twice in one
 * object: JSON.parse keeps the last, other parsers the first, so a signed or hashed body with
 * duplicates could mean one thing to SDX and another to whoever checks it (I-JSON, RFC 7493).
 */
export function jsonBody(options: { strict?: boolean } = {}): RequestHandler[] {
  const parse = express.json({
    limit: JSON_BODY_LIMIT_BYTES,
    strict: options.strict ?? true,
    type: JSON_MEDIA_TYPES,
    verify: (req, _res, raw, encoding) => {
      if (encoding.toLowerCase() !== 'utf-8') {
        throw Object.assign(new Error(`send JSON as UTF-8, not ${encoding}`), { status: 415, type: 'charset.unsupported' });
      }
      rawBodies.set(req, raw);
    },
  });
  const refuseDuplicateNames: RequestHandler = (req, _res, next) => {
    const raw = rawBodies.get(req);
    const duplicate = raw ? findDuplicateName(raw.toString('utf8')) : undefined;
    if (duplicate === undefined) {
      next();
      return;
    }
    next(new ValidationError([{ path: duplicate, code: 'duplicate-key', message: 'appears more than once in its object; send each field once' }]));
  };
  return [parse, refuseDuplicateNames];
}

interface Frame {
  /** Names seen so far in an object; undefined for an array. */
  names: Set<string> | undefined;
  /** The member name or array index whose value is being read. */
  at: string | number;
}

/**
 * The path (`payload.containers[0].number`) of the first name repeated within one object of a
 * JSON text that JSON.parse accepted, or undefined. One pass, no recursion, so nesting depth
 * costs memory in proportion and never the call stack.
 */
export function findDuplicateName(text: string): string | undefined {
  const stack: Frame[] = [];
  let expectingName = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (ch === 0x22 /* " */) {
      const end = endOfString(text, i);
      if (end < 0) return undefined;
      if (top?.names && expectingName) {
        const quoted = text.slice(i, end);
        // Only a name with an escape needs decoding to compare it ("t\u006f" is "to").
        const name = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
        if (top.names.has(name)) return pathOf(stack.slice(0, -1), name);
        top.names.add(name);
        top.at = name;
        expectingName = false;
      }
      i = end - 1;
    } else if (ch === 0x7b /* { */) {
      stack.push({ names: new Set(), at: '' });
      expectingName = true;
    } else if (ch === 0x5b /* [ */) {
      stack.push({ names: undefined, at: 0 });
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectingName = false;
    } else if (ch === 0x2c /* , */ && top) {
      if (top.names) expectingName = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return undefined;
}

/** The index just past the closing quote of the string starting at `start`, or -1. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i += 1;
    else if (ch === 0x22) return i + 1;
  }
  return -1;
}

function pathOf(enclosing: readonly Frame[], name: string): string {
  let path = '';
  for (const frame of enclosing) path = step(path, frame.at);
  return step(path, name);
}

function step(path: string, at: string | number): string {
  if (typeof at === 'number') return `${path}[${at}]`;
  return path ? `${path}.${at}` : at;
}
