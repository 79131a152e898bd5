/**
 * Whether JSON text nests objects and arrays at most `max` deep, found by one scan of its
 * brackets outside strings (no recursion), before anything recursive (a parser's reviver, a
 * schema, canonical JSON) walks it: a line of 100,000 `[` must be refused, not overflow the stack.
 * Text that is not JSON may pass; parsing it then says what is wrong.
 */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return false;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return true;
}
