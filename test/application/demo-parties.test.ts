import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../../src/application/demo-parties';
import { ValidationError } from '../../src/domain/shared/errors';
import { repoRoot } from '../support/examples';

const demo = parseDemoParties(JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8')));

describe('loadDemoParties', () => {
  it('two processes loading the demo parties into one store at once both succeed, with one user and key each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-demo-parties-'));
    const file = join(dir, 'shared.sqlite');
    // Two connections stand for two processes; their awaits interleave, so both look before either writes.
    const stores = [SqliteStore.open(file), SqliteStore.open(file)];
    try {
      const [a, b] = await Promise.all(stores.map((store) => loadDemoParties(store, demo, '2026-01-01T00:00:00.000Z')));
      expect(a).toEqual(b);
      expect(a).toHaveLength(demo.parties.flatMap((p) => p.users).length);
      for (const { party, users } of demo.parties) {
        for (const user of users) await expect(stores[0]?.getUser(user.id)).resolves.toMatchObject({ partyId: party.id });
      }
    } finally {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a demo-parties file whose party or user name hides a direction control or a zero-width space is refused, naming each', () => {
    const file = JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8')) as {
      parties: Array<{ party: { name: { en: string } }; users: Array<{ name: string }> }>;
    };
    const first = file.parties[0];
    if (!first?.users[0]) throw new Error('the demo file has a party with a user');
    first.party.name.en = `\u202e${first.party.name.en}`;
    first.users[0].name = `Clerk\u200b`;
    let thrown: unknown;
    try {
      parseDemoParties(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({
      code: 'forbidden-character',
      issues: [
        { path: 'parties[0].party.name.en', code: 'forbidden-character', message: expect.stringContaining('U+202E') },
        { path: 'parties[0].users[0].name', code: 'forbidden-character', message: expect.stringContaining('U+200B') },
      ],
    });
  });
});
