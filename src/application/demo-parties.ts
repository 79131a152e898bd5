import { z } from 'zod';
import { partySchema } from '../domain/party/party';
import { parseOrThrow } from '../domain/shared/schema';
import { hashApiKey } from './api-keys';
import type { Store } from './ports/store.port';

const demoPartiesFile = z.strictObject({
  notice: z.string(),
  parties: z.array(
    z.strictObject({
      party: partySchema,
      users: z.array(z.strictObject({ id: z.string().min(1), name: z.string().min(1), apiKey: z.string().min(16) })),
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
      if (!(await store.getUser(user.id))) {
        await store.createUser({ id: user.id, partyId: party.id, name: user.name, createdAt: now });
      }
      const keyHash = hashApiKey(user.apiKey);
      if (!(await store.findActiveApiKey(keyHash))) {
        await store.addApiKey({ id: `${user.id}-demo-key`, userId: user.id, keyHash, label: 'demo', createdAt: now, revokedAt: null });
      }
      credentials.push({ partyId: party.id, partyName: party.name.en, roles: party.roles, userId: user.id, apiKey: user.apiKey });
    }
  }
  return credentials;
}
