import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword, verifyPassword } from '../../src/application/passwords';
import { parseDemoParties } from '../../src/application/demo-parties';
import { repoRoot } from '../support/examples';

const cheap = { ln: 4, r: 8, p: 1 };

describe('passwords', () => {
  it('a hash verifies its password and no other; two hashes of one password differ (salted)', async () => {
    const first = await hashPassword('correct horse', cheap);
    const second = await hashPassword('correct horse', cheap);
    expect(first).toMatch(/^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(first).not.toBe(second);
    await expect(verifyPassword('correct horse', first)).resolves.toBe(true);
    await expect(verifyPassword('correct horsf', first)).resolves.toBe(false);
    await expect(verifyPassword('', first)).resolves.toBe(false);
  });

  it('compares the Unicode-normalised password, so 码头 typed in either form matches', async () => {
    const stored = await hashPassword('caf\u00e9-码头', cheap);
    await expect(verifyPassword('cafe\u0301-码头', stored)).resolves.toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'],
    ['absurd cost', '$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['short hash', '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
  ])('a malformed stored hash (%s) never matches and does not throw', async (_name, stored) => {
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
  });

  it('every demo user signs in with the documented demo password', async () => {
    const demo = parseDemoParties(JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8')));
    expect(demo.notice).toContain('password sdx-demo');
    const users = demo.parties.flatMap((p) => p.users);
    expect(users.length).toBeGreaterThan(10);
    for (const user of users) await expect(verifyPassword('sdx-demo', user.passwordHash ?? '')).resolves.toBe(true);
  });
});
