import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

/** A replica-set URI (mongod --replSet rs0, then rs.initiate()); empty when none is configured. */
export const mongoTestUri = process.env.MONGODB_URI ?? '';

/** Fresh databases on the test server, each named once, all dropped by `drop`. */
export function mongoDatabases(uri: string): { fresh(): string; current(): string; drop(): Promise<void> } {
  const names: string[] = [];
  let current = '';
  return {
    fresh() {
      current = `sdx_test_${randomBytes(6).toString('hex')}`;
      names.push(current);
      return current;
    },
    current: () => current,
    async drop() {
      const connection = await mongoose.createConnection(uri).asPromise();
      try {
        for (const name of names.splice(0)) await connection.useDb(name).dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}
