// One fsync per issued document. With WAL and `synchronous = FULL`, SQLite fsyncs the WAL once per
// committed transaction, and each committed transaction ends in exactly one WAL commit frame. So
// counting the commit frames an issue appends counts its fsyncs (checkpoints aside, which run
// outside the request).
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { exampleJson } from '../../support/examples';
import { startTestApp, type TestApp } from '../../support/test-app';

/** The transactions committed in the WAL since it last restarted: frames with the header's salts and a commit size. */
function walCommits(walFile: string): number {
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

describe('one durable write per issued document (SQLite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('when a D/O is issued, then its event, its state, its log leaves and its signed PDF are one committed transaction', async () => {
    const other = new Database(t.dbFile);
    try {
      other.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      other.close();
    }
    expect(walCommits(`${t.dbFile}-wal`)).toBe(0);

    const issued = await t.documents.issue(
      { partyId: 'demo-agent-sha', userId: 'demo-agent-sha-desk' },
      { kind: 'delivery-order', payload: exampleJson('delivery-order') },
    );

    expect(walCommits(`${t.dbFile}-wal`)).toBe(1);
    expect(issued.pdfSha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(t.store.getBlob(issued.pdfSha256 ?? '')).resolves.toMatchObject({ mediaType: 'application/pdf', pending: false });
  });
});
