// `sdx admin` and `sdx audit export` without --db work on SDX_DB or the default path, and never
// create an empty database there: run in the wrong folder, they say where none was found and how
// to name one, exit 2, and leave no file behind.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx } from '../support/built-cli';

/** The test runner's own settings must not name a database for these runs. */
const noDbEnv = { SDX_DB: '', SDX_STORE: '' };

describe('sdx admin and sdx audit export without --db', () => {
  it.each([
    ['admin', 'list-parties'],
    ['admin', 'create-key', '--user', 'nobody'],
    ['audit', 'export', '--out', 'bundle.json'],
  ])('sdx %s %s in an empty folder: names the default path and how to name one, exit 2, no file created', (...args) => {
    const cwd = mkdtempSync(join(tmpdir(), 'sdx-no-db-'));
    const result = runSdx(args, { cwd, env: noDbEnv });
    const command = `sdx ${args[0]} ${args[1]}`;
    const defaultPath = join(cwd, 'data', 'sdx.sqlite');
    expect(result.stderr.trim()).toBe(
      `${command}: there is no database at the default path ${defaultPath}; name one with --db PATH or SDX_DB=PATH (sdx serve creates the database where it is named)`,
    );
    expect(result.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('with SDX_DB naming a missing file: says so, exit 2, nothing created', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sdx-no-db-'));
    const named = join(cwd, 'nested', 'sdx.sqlite');
    for (const args of [['admin', 'list-parties'], ['audit', 'export', '--out', 'bundle.json']]) {
      const result = runSdx(args, { cwd, env: { ...noDbEnv, SDX_DB: named } });
      expect(result.stderr.trim()).toMatch(new RegExp(`^sdx ${args[0]} ${args[1]}: there is no database at ${named.replace(/[.]/g, '\\.')} \\(SDX_DB\\); name one with --db PATH or SDX_DB=PATH`));
      expect(result.code).toBe(2);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('uses the database at the default path once there is one', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sdx-default-db-'));
    // --db names (and creates) it; later runs find it without --db.
    const party = join(cwd, 'party.json');
    writeFileSync(party, JSON.stringify({ id: 'ningbo-trucking', name: { en: 'Ningbo Trucking Co.', zh: '宁波运输有限公司' }, roles: ['haulier'] }));
    expect(runSdx(['admin', 'add-party', party, '--db', join(cwd, 'data', 'sdx.sqlite')], { cwd, env: noDbEnv }).code).toBe(0);
    const listed = runSdx(['admin', 'list-parties'], { cwd, env: noDbEnv });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ningbo-trucking\s+haulier/);
    const exported = runSdx(['audit', 'export', '--out', join(cwd, 'bundle.json')], { cwd, env: noDbEnv });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^exported 0 events/);
  });
});
