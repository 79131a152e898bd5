import { createReadStream } from 'node:fs';
import { SdxError } from '../domain/shared/errors';

/**
 * A file's lines (without their LF), each at most `maxBytes` bytes: a longer one throws naming its
 * number (from 1) before it is held whole, so one huge line cannot exhaust memory.
 */
export async function* boundedLines(file: string, maxBytes: number): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let length = 0;
  let line = 1;
  const tooLong = () =>
    new SdxError('validation-failed', `line ${line} is longer than ${maxBytes} bytes (--max-line-bytes): not a bundle line sdx writes`);
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      if (length + end - start > maxBytes) throw tooLong();
      parts.push(chunk.subarray(start, end));
      yield Buffer.concat(parts).toString('utf8');
      parts = [];
      length = 0;
      line += 1;
      start = end + 1;
    }
    length += chunk.length - start;
    if (length > maxBytes) throw tooLong();
    parts.push(chunk.subarray(start));
  }
  if (length > 0) yield Buffer.concat(parts).toString('utf8');
}
