import { Router, type Response } from 'express';
import type { EnvelopeReceiver, PintAnswer } from '../application/federation/envelope-receiver';
import type { PeerAuthenticator } from '../application/federation/peer-requests';
import type { Platform } from '../application/federation/platform';
import { lookUpReceiver, validateReceiver, type AskPeer } from '../application/federation/receiver-validation';
import type { Store } from '../application/ports/store.port';
import { SdxError } from '../domain/shared/errors';
import { prefersChinese } from './problem';

/** The PINT version these routes follow, sent back as PINT's API-Version header. */
const PINT_VERSION = '3.0.0';

/** What other platforms read and call: this platform's keys, and PINT's routes under /pint/v3. */
export function federationRouter(deps: { platform: Platform; peers: PeerAuthenticator; store: Store; receiver?: EnvelopeReceiver }): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    // Peers cache the set; a rotated key shows within the hour.
    res.set('Cache-Control', 'public, max-age=3600').json(deps.platform.jwks());
  });
  const pint = Router();
  pint.use(async (req, res, next) => {
    res.set('API-Version', PINT_VERSION);
    const auth = await deps.peers.authenticate({ authorization: req.get('authorization'), method: req.method, path: req.originalUrl.split('?')[0] ?? '', body: req.body });
    if (!auth.ok) {
      res.set('WWW-Authenticate', 'PINT-JWS');
      throw new SdxError(auth.failure, auth.detail);
    }
    res.locals['peer'] = auth.peer;
    next();
  });
  pint.post('/receiver-validation', async (req, res) => {
    res.json(await validateReceiver(deps.store, deps.platform.code, req.body, prefersChinese(req) ? 'zh' : 'en'));
  });
  const receiver = deps.receiver;
  if (receiver) {
    const answer = (res: Response, { status, body }: PintAnswer) => (body === undefined ? res.status(status).end() : res.status(status).json(body));
    const peerOf = (res: Response) => String(res.locals['peer']);
    pint.post('/envelopes', async (req, res) => {
      answer(res, await receiver.start(peerOf(res), req.body));
    });
    pint.put('/envelopes/:reference/additional-documents/:checksum', async (req, res) => {
      answer(res, await receiver.putDocument(peerOf(res), String(req.params['reference']), String(req.params['checksum']), req.body));
    });
    pint.put('/envelopes/:reference/finish-transfer', async (req, res) => {
      answer(res, await receiver.finish(peerOf(res), String(req.params['reference'])));
    });
  }
  router.use('/pint/v3', pint);
  return router;
}

/** For signed-in API users (under /api/v1): whom a transfer would reach, here or on a peer. */
export function receiverLookupRouter(deps: { platform: Platform; store: Store; askPeer: AskPeer }): Router {
  return Router().post('/receiver-validation', async (req, res) => {
    res.json(await lookUpReceiver({ store: deps.store, ownCode: deps.platform.code, askPeer: deps.askPeer }, req.body, prefersChinese(req) ? 'zh' : 'en'));
  });
}
