import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { hashApiKey } from '../../src/application/api-keys';
import { verifyPassword } from '../../src/application/passwords';
import { runSdx } from '../support/built-cli';

describe('sdx admin: parties, users and API keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-admin-'));
  const db = join(dir, 'sdx.sqlite');
  const partyFile = join(dir, 'party.json');
  writeFileSync(
    partyFile,
    JSON.stringify({
      id: 'ningbo-trucking',
      name: { en: 'Ningbo Trucking Co.', zh: '宁波运输有限公司' },
      roles: ['haulier'],
      identifiers: { unifiedSocialCreditCode: '91350100M000100Y43' },
    }),
  );

  it('registers a party, a user and a key that authenticates, and revokes it', async () => {
    expect(runSdx(['admin', 'add-party', partyFile, '--db', db]).code).toBe(0);
    expect(runSdx(['admin', 'list-parties', '--db', db]).stdout).toMatch(/ningbo-trucking\s+haulier\s+Ningbo Trucking Co\./);
    expect(runSdx(['admin', 'add-user', '--party', 'ningbo-trucking', '--user', 'nb-driver-1', '--name', 'Driver Chen', '--db', db]).code).toBe(0);

    const created = runSdx(['admin', 'create-key', '--user', 'nb-driver-1', '--label', 'phone', '--db', db]);
    expect(created.code).toBe(0);
    const apiKey = /api key (\S+)/.exec(created.stdout)?.[1] ?? '';
    const keyId = /key id (\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(apiKey).toMatch(/^sdx_[A-Za-z0-9_-]{32}$/);

    const store = SqliteStore.open(db);
    try {
      expect(await store.findActiveApiKey(hashApiKey(apiKey))).toMatchObject({ user: { id: 'nb-driver-1', partyId: 'ningbo-trucking' } });
      expect(runSdx(['admin', 'revoke-key', '--key', keyId, '--db', db]).code).toBe(0);
      expect(await store.findActiveApiKey(hashApiKey(apiKey))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('sets a web password from stdin, stored only as an scrypt hash; a short one or an unknown user is refused', async () => {
    expect(runSdx(['admin', 'add-party', partyFile, '--db', db]).code).toBe(0);
    runSdx(['admin', 'add-user', '--party', 'ningbo-trucking', '--user', 'nb-driver-2', '--name', 'Driver Xu', '--db', db]);
    const set = runSdx(['admin', 'set-password', '--user', 'nb-driver-2', '--db', db], { input: 'correct horse battery\n' });
    expect(set.code).toBe(0);
    const store = SqliteStore.open(db);
    try {
      const stored = (await store.getUser('nb-driver-2'))?.passwordHash ?? '';
      expect(stored).toMatch(/^\$scrypt\$/);
      await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    } finally {
      await store.close();
    }
    const short = runSdx(['admin', 'set-password', '--user', 'nb-driver-2', '--db', db], { input: 'short\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('must be 8 to 1024 characters');
    const unknown = runSdx(['admin', 'set-password', '--user', 'nobody', '--db', db], { input: 'long enough pw\n' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('sdx admin set-password: no user nobody [not-found]');
  });

  it('refuses an invalid party file, naming the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'x-party', name: { en: 'X' }, roles: ['pirate'] }));
    const result = runSdx(['admin', 'add-party', bad, '--db', db]);
    expect(result.stdout).toMatch(/^roles\[0\]: /m);
    expect(result.code).toBe(1);
  });

  it('refuses a party whose name hides a right-to-left override, and a user name with one, naming the field and the code point', () => {
    const deceptive = join(dir, 'deceptive.json');
    writeFileSync(deceptive, JSON.stringify({ id: 'mirror-trucking', name: { en: 'Mirror \u202eTrucking', zh: '镜像运输' }, roles: ['haulier'] }));
    const party = runSdx(['admin', 'add-party', deceptive, '--db', db]);
    expect(party.code).toBe(1);
    expect(party.stdout).toMatch(/^name\.en: contains U\+202E \(direction control\).*\[forbidden-character\]$/m);
    expect(runSdx(['admin', 'list-parties', '--db', db]).stdout).not.toContain('mirror-trucking');

    expect(runSdx(['admin', 'add-party', partyFile, '--db', db]).code).toBe(0);
    const user = runSdx(['admin', 'add-user', '--party', 'ningbo-trucking', '--user', 'nb-driver-9', '--name', 'Driver \u2067Chen', '--db', db]);
    expect(user.code).toBe(1);
    expect(user.stdout).toMatch(/^--name: contains U\+2067 .*\[forbidden-character\]$/m);
  });

  it('refuses a user for an unknown party and a key for an unknown user, with a one-line reason', () => {
    const user = runSdx(['admin', 'add-user', '--party', 'nobody', '--user', 'u1', '--name', 'U', '--db', db]);
    expect(user.stderr.trim()).toBe('sdx admin add-user: no party nobody; add it first [not-found]');
    expect(user.code).toBe(1);
    const key = runSdx(['admin', 'create-key', '--user', 'ghost', '--db', db]);
    expect(key.stderr.trim()).toBe('sdx admin create-key: no user ghost; add it first [not-found]');
    expect(runSdx(['admin', 'add-user', '--db', db]).code).toBe(2);
  });

  it('prints the MongoDB role SDX runs under, without opening any store; a bad name exits 2', () => {
    const printed = runSdx(['admin', 'mongo-role', '--database', 'shipping', '--role', 'sdxApp'], { env: { SDX_STORE: '', SDX_DB: join(dir, 'absent.sqlite') } });
    expect(printed.code).toBe(0);
    const command = JSON.parse(/^db\.getSiblingDB\("shipping"\)\.runCommand\(([\s\S]*)\)\s*$/.exec(printed.stdout)?.[1] ?? 'null') as {
      createRole: string;
      privileges: { resource: { collection: string }; actions: string[] }[];
    };
    expect(command.createRole).toBe('sdxApp');
    expect(command.privileges.find((p) => p.resource.collection === 'events')?.actions).toEqual(['find', 'insert', 'createCollection', 'createIndex']);
    const bad = runSdx(['admin', 'mongo-role', '--database', 'x"); db.dropDatabase(); ("']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('sdx admin mongo-role: --database and --role take letters, digits, _ and - only');
  });
});
