import { SdxError } from '../../domain/shared/errors';

/**
 * Refuses a blob larger than a store can hold, before anything is written: 413 `blob-too-large`
 * instead of a driver's RangeError surfacing as a 500 after part of the work is done.
 */
export function checkBlobSize(size: number, maxBytes: number, store: string, what = 'blobs'): void {
  if (size <= maxBytes) return;
  throw new SdxError('blob-too-large', `${store} holds ${what} of at most ${maxBytes} bytes; this one has ${size}`);
}
