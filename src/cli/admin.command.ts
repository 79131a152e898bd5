import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateApiKey, hashApiKey } from '../application/api-keys';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../application/passwords';
import { userInput } from '../application/user-input';
import type { Store } from '../application/ports/store.port';
import type { Settings } from '../settings';
import { partySchema } from '../domain/party/party';
import { SdxError } from '../domain/shared/errors';
import { parseWith } from '../domain/shared/schema';
import { readStdin, type CliIo } from './cli-io';
import { openToolStore, storeFlagOptions, storeFlagsUsage } from './cli-store';
import { mongoRoleCommand } from '../adapters/store/mongo/mongo-role';

const usage = `usage: sdx admin <command> [${storeFlagsUsage}]
      (without them: the store SDX_STORE names, by default SDX_DB or data/sdx.sqlite, which must exist)
  add-party FILE.json                          register or update a party (id, name, roles, identifiers)
  list-parties
  add-user --party ID --user ID --name NAME    a user acting for the party
  set-password --user ID                       web sign-in password, read from stdin (first line); stored as scrypt
  end-sessions --user ID                       signs the user out of every browser and phone; prints how many ended
  create-key --user ID [--label TEXT]          prints a new API key once; only its hash is stored
  revoke-key --key ID
  mongo-role [--database sdx] [--role sdxService]
                                               prints the mongosh createRole command for running SDX on MongoDB
                                               with the log append-only (events, log nodes, tree heads: find and insert)`;

/** Parties, users and API keys, administered on the store file directly (the service may be running). */
export async function adminCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const [sub, ...rest] = args;
  let parsed: { values: Record<string, string | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: {
        ...storeFlagOptions,
        party: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        label: { type: 'string' },
        key: { type: 'string' },
        database: { type: 'string' },
        role: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`sdx admin: ${(error as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const need = (...names: string[]): boolean => {
    const missing = names.filter((n) => !values[n]);
    if (missing.length > 0) io.err(`sdx admin ${sub}: needs ${missing.map((n) => `--${n}`).join(', ')}`);
    return missing.length === 0;
  };
  const run = async (work: (store: Store) => Promise<number>): Promise<number> => {
    const opened = await openToolStore(values, settings, { createNamed: true });
    if ('missing' in opened) {
      io.err(`sdx admin ${sub}: ${opened.missing}`);
      return 2;
    }
    const { store } = opened;
    try {
      return await work(store);
    } catch (error) {
      if (error instanceof SdxError) {
        io.err(`sdx admin ${sub}: ${error.message} [${error.code}]`);
        return 1;
      }
      throw error;
    } finally {
      await store.close();
    }
  };
  const now = new Date().toISOString();

  switch (sub) {
    case 'add-party': {
      const [file] = positionals;
      if (!file) {
        io.err('usage: sdx admin add-party FILE.json');
        return 2;
      }
      let input: unknown;
      try {
        input = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        io.err(`sdx admin add-party: ${file} cannot be read as JSON`);
        return 2;
      }
      const party = parseWith(partySchema, input);
      if (!party.ok) {
        for (const issue of party.issues) io.out(`${issue.path || '(root)'}: ${issue.message} [${issue.code}]`);
        io.err(`sdx admin add-party: ${file} is not a valid party`);
        return 1;
      }
      return run(async (store) => {
        await store.upsertParty(party.value);
        io.out(`party ${party.value.id} saved`);
        return 0;
      });
    }
    case 'list-parties':
      return run(async (store) => {
        for (const p of await store.listParties()) io.out(`${p.id.padEnd(24)} ${p.roles.join(',').padEnd(28)} ${p.name.en}`);
        return 0;
      });
    case 'add-user': {
      if (!need('party', 'user', 'name')) return 2;
      const user = parseWith(userInput, { id: values.user, name: values.name });
      if (!user.ok) {
        for (const issue of user.issues) io.out(`--${issue.path === 'id' ? 'user' : issue.path}: ${issue.message} [${issue.code}]`);
        io.err('sdx admin add-user: the user is not valid');
        return 1;
      }
      return run(async (store) => {
        const partyId = values.party ?? '';
        if (!(await store.getParty(partyId))) throw new SdxError('not-found', `no party ${partyId}; add it first`);
        await store.createUser({ ...user.value, partyId, createdAt: now });
        io.out(`user ${user.value.id} acts for ${partyId}`);
        return 0;
      });
    }
    case 'set-password': {
      if (!need('user')) return 2;
      // From stdin, so the password is in neither the shell history nor the process list.
      const password = (await readStdin()).split(/\r?\n/)[0] ?? '';
      if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
        io.err(`sdx admin set-password: the password (first line of stdin) must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
        return 2;
      }
      const passwordHash = await hashPassword(password);
      return run(async (store) => {
        await store.setUserPassword(values.user ?? '', passwordHash);
        io.out(`password set for ${values.user}; their earlier web sessions have ended`);
        return 0;
      });
    }
    case 'end-sessions':
      if (!need('user')) return 2;
      return run(async (store) => {
        const userId = values.user ?? '';
        if (!(await store.getUser(userId))) throw new SdxError('not-found', `no user ${userId}`);
        const ended = await store.sessions.endUserSessions(userId, now);
        io.out(`${ended} web session${ended === 1 ? '' : 's'} of ${userId} ended`);
        return 0;
      });
    case 'create-key':
      if (!need('user')) return 2;
      return run(async (store) => {
        const userId = values.user ?? '';
        if (!(await store.getUser(userId))) throw new SdxError('not-found', `no user ${userId}; add it first`);
        const apiKey = generateApiKey();
        const id = `key-${randomUUID()}`;
        await store.addApiKey({ id, userId, keyHash: hashApiKey(apiKey), label: values.label ?? '', createdAt: now, revokedAt: null });
        io.out(`key id ${id}`);
        io.out(`api key ${apiKey}`);
        io.err('The API key is shown once and stored only as a hash; keep it now.');
        return 0;
      });
    case 'revoke-key':
      if (!need('key')) return 2;
      return run(async (store) => {
        await store.revokeApiKey(values.key ?? '', now);
        io.out(`key ${values.key} revoked`);
        return 0;
      });
    case 'mongo-role': {
      // Printed, not run: creating roles needs a user administrator, which SDX must never be.
      const database = values.database ?? 'sdx';
      const role = values.role ?? 'sdxService';
      if (!/^[A-Za-z0-9_-]{1,63}$/.test(database) || !/^[A-Za-z0-9_.-]{1,64}$/.test(role)) {
        io.err('sdx admin mongo-role: --database and --role take letters, digits, _ and - only');
        return 2;
      }
      io.out(mongoRoleCommand(database, role));
      return 0;
    }
    default:
      io.err(usage);
      return 2;
  }
}

