import { Schema, type ClientSession, type Connection, type Model } from 'mongoose';
import type { SessionKind, SessionStore, WebSession } from '../../../application/ports/session-store.port';

export interface SessionRecord {
  /** Hex SHA-256 of the session id in the cookie. */
  _id: string;
  userId: string;
  kind: SessionKind;
  createdAt: string;
  lastSeenAt: string;
  endedAt: string | null;
}

const options = { versionKey: false, strict: 'throw', minimize: false, autoIndex: false, autoCreate: false, bufferCommands: false } as const;

const sessionSchema = new Schema<SessionRecord>(
  { _id: String, userId: String, kind: String, createdAt: String, lastSeenAt: String, endedAt: { type: String, default: null } },
  options,
);
// "The open sessions of a user", for sign-out everywhere and password changes.
sessionSchema.index({ userId: 1, endedAt: 1 });

export interface SessionModels {
  webSessions: Model<SessionRecord>;
}

export function sessionModelsOn(connection: Connection): SessionModels {
  return { webSessions: connection.model<SessionRecord>('WebSession', sessionSchema, 'webSessions') };
}

const toSession = (r: SessionRecord): WebSession => ({
  idHash: r._id,
  userId: r.userId,
  kind: r.kind,
  createdAt: r.createdAt,
  lastSeenAt: r.lastSeenAt,
  endedAt: r.endedAt ?? null,
});

/** Ends a user's open sessions, inside `session`'s transaction when one is given. */
export async function endOpenSessions(models: SessionModels, userId: string, at: string, session?: ClientSession): Promise<number> {
  const result = await models.webSessions.updateMany({ userId, endedAt: null }, { $set: { endedAt: at } }, session ? { session } : {}).exec();
  return result.modifiedCount;
}

/** Web sessions on MongoDB: the store's `sessions`. */
export class MongoSessions implements SessionStore {
  constructor(
    private readonly models: SessionModels,
    private readonly run: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  addSession(session: WebSession): Promise<void> {
    return this.run(async () => {
      const record: SessionRecord = { _id: session.idHash, userId: session.userId, kind: session.kind, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, endedAt: session.endedAt };
      await this.models.webSessions.insertMany([record]);
    });
  }

  getSession(idHash: string): Promise<WebSession | undefined> {
    return this.run(async () => {
      const record = await this.models.webSessions.findById(idHash).lean<SessionRecord>().exec();
      return record ? toSession(record) : undefined;
    });
  }

  touchSession(idHash: string, at: string): Promise<void> {
    return this.run(async () => {
      await this.models.webSessions.updateOne({ _id: idHash, endedAt: null, lastSeenAt: { $lt: at } }, { $set: { lastSeenAt: at } }).exec();
    });
  }

  endSession(idHash: string, at: string): Promise<boolean> {
    return this.run(async () => {
      const result = await this.models.webSessions.updateOne({ _id: idHash, endedAt: null }, { $set: { endedAt: at } }).exec();
      return result.modifiedCount === 1;
    });
  }

  endUserSessions(userId: string, at: string): Promise<number> {
    return this.run(() => endOpenSessions(this.models, userId, at));
  }
}
