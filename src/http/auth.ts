import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiKey } from '../application/api-keys';
import type { Caller } from '../application/document-service';
import type { Store } from '../application/ports/store.port';
import { sendProblem } from './problem';

const callers = new WeakMap<Request, Caller>();
const apiKeyIds = new WeakMap<Request, string>();

/** The authenticated caller of a request that passed `authenticate`. */
export function callerOf(req: Request): Caller {
  const caller = callers.get(req);
  if (!caller) throw new Error('callerOf used on a route without authenticate');
  return caller;
}

/** The id (not the secret) of the API key a request that passed `authenticate` was sent with. */
export function apiKeyIdOf(req: Request): string {
  const id = apiKeyIds.get(req);
  if (id === undefined) throw new Error('apiKeyIdOf used on a route without authenticate');
  return id;
}

/** `Authorization: Bearer <api key>`; keys are looked up by their SHA-256 only. */
export function authenticate(store: Store): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      res.set('WWW-Authenticate', 'Bearer realm="sdx"');
      sendProblem(res, { status: 401, code: 'missing-credentials', detail: 'send an API key as "Authorization: Bearer <key>"' });
      return;
    }
    const keyHash = hashApiKey(match[1]);
    store.findActiveApiKey(keyHash).then(
      (found) => {
        const same = found && timingSafeEqual(Buffer.from(found.key.keyHash, 'hex'), Buffer.from(keyHash, 'hex'));
        if (!found || !same) {
          res.set('WWW-Authenticate', 'Bearer realm="sdx", error="invalid_token"');
          sendProblem(res, { status: 401, code: 'invalid-credentials', detail: 'the API key is unknown or revoked' });
          return;
        }
        callers.set(req, { partyId: found.user.partyId, userId: found.user.id });
        apiKeyIds.set(req, found.key.id);
        next();
      },
      (error: unknown) => next(error),
    );
  };
}
