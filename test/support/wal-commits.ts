import { readFileSync } from 'node:fs';

/**
 * The transactions committed in a SQLite WAL since it last restarted: frames with the header's
 * salts and a commit size. With `synchronous = FULL` each is one fsync.
 */
export function walCommits(walFile: string): number {
  const wal = readFileSync(walFile);
  if (wal.byteLength < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.byteLength; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt[0] || wal.readUInt32BE(at + 12) !== salt[1]) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}
