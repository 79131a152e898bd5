import { statSync } from 'node:fs';

/**
 * What changes when a file is replaced or edited, or a directory's entries are added, removed or
 * renamed: inode, mtime, ctime and size; 'absent' when there is nothing at `path`. One quick system
 * call, done in place.
 */
export function fileStamp(path: string): string {
  const info = statSync(path, { bigint: true, throwIfNoEntry: false });
  return info ? `${info.ino}:${info.mtimeNs}:${info.ctimeNs}:${info.size}` : 'absent';
}

/** A value is read again after this long anyway, for file systems with coarse timestamps. */
const REREAD_MS = 1000;

/**
 * Values read from files, each kept while the stamp of its files stays the same (and for at most
 * a second), so that what is looked up on every request is read only when it changed. A read that
 * fails is not kept: the next lookup tries again.
 */
export class StampedReads<T> {
  readonly #entries = new Map<string, { stamp: string; readAt: number; value: Promise<T> }>();

  get(key: string, stamp: string, read: () => Promise<T>): Promise<T> {
    const known = this.#entries.get(key);
    const now = performance.now();
    if (known?.stamp === stamp && now - known.readAt < REREAD_MS) return known.value;
    const value = read();
    this.#entries.set(key, { stamp, readAt: now, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
