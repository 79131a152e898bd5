import { z } from 'zod';
import { partySchema } from '../domain/party/party';
import { SdxError } from '../domain/shared/errors';
import { parseOrThrow } from '../domain/shared/schema';
import { hashApiKey } from './api-keys';
import type { Store } from './ports/store.port';
import { userInput } from './user-input';

const demoPartiesFile = z.strictObject({
  notice: z.string(),
  parties: z.array(
    z.strictObject({
      party: partySchema,
      users: z.array(userInput.extend({
          apiKey: z.string().min(16),
          /** scrypt hash of the demo password (see application/passwords.ts). */
          passwordHash: z.string().startsWith('$scrypt$').optional(),
        }),),
    }),
  ),
});

export type DemoParties = z.infer<typeof demoPartiesFile>;

export interface DemoCredential {
  partyId: string;
  partyName: string;
  roles: readonly string[];
  userId: string;
  apiKey: string;
}

export function parseDemoParties(input: unknown): DemoParties {
  return parseOrThrow(demoPartiesFile, input);
}

/** Loads the demo parties, users and keys; loading them again changes nothing. */
export async function loadDemoParties(store: Store, demo: DemoParties, now: string): Promise<DemoCredential[]> {
  const credentials: DemoCredential[] = [];
  for (const { party, users } of demo.parties) {
    await store.upsertParty(party);
    for (const user of users) {
      const hasUser = async () => (await store.getUser(user.id)) !== undefined;
      if (!(await hasUser())) {
        await unlessRaced(
          () => store.createUser({ id: user.id, partyId: party.id, name: user.name, createdAt: now, passwordHash: user.passwordHash }),
          hasUser,
        );
      }
      const keyHash = hashApiKey(user.apiKey);
      const hasKey = async () => (await store.findActiveApiKey(keyHash)) !== undefined;
      if (!(await hasKey())) {
        await unlessRaced(
          () => store.addApiKey({ id: `${user.id}-demo-key`, userId: user.id, keyHash, label: 'demo', createdAt: now, revokedAt: null }),
          hasKey,
        );
      }
      credentials.push({ partyId: party.id, partyName: party.name.en, roles: party.roles, userId: user.id, apiKey: user.apiKey });
    }
  }
  return credentials;
}

/**
 * Several processes starting on one store load the demo parties at once: when another one created
 * the record between our look and our write, the conflict is the expected outcome, not a failure.
 */
async function unlessRaced(write: () => Promise<void>, exists: () => Promise<boolean>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof SdxError && error.code === 'store-conflict' && (await exists())) return;
    throw error;
  }
}
