import { Router, type Response } from 'express';
import type { EnvelopeReceiver, PintAnswer } from '../application/federation/envelope-receiver';
import type { NoticeReceiver } from '../application/federation/release-notice';
import type { PeerAuthenticator } from '../application/federation/peer-requests';
import type { Platform } from '../application/federation/platform';
import { lookUpReceiver, validateReceiver, type AskPeer } from '../application/federation/receiver-validation';
import type { Store } from '../application/ports/store.port';
import { SdxError } from '../domain/shared/errors';
import { prefersChinese } from './problem';

/** The PINT version these routes follow, sent back as PINT's API-Version header. */
const PINT_VERSION = '3.0.0';

/** What other platforms read and call: this platform's keys, and PINT's routes under /pint/v3. */
export function federationRouter(deps: { platform: Platform; peers: PeerAuthenticator; store: Store; receiver?: EnvelopeReceiver; notices?: NoticeReceiver }): Router {
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
    pint.put('/envelopes/:envelopeReference/additional-documents/:documentChecksum', async (req, res) => {
      answer(res, await receiver.putDocument(peerOf(res), String(req.params['envelopeReference']), String(req.params['documentChecksum']), req.body));
    });
    pint.put('/envelopes/:envelopeReference/finish-transfer', async (req, res) => {
      answer(res, await receiver.finish(peerOf(res), String(req.params['envelopeReference'])));
    });
    const notices = deps.notices;
    if (notices) {
      // SDX's extension: a peer that released a D/O this platform sent says so.
      pint.post('/sdx/notices', async (req, res) => {
        answer(res, await notices.receive(peerOf(res), req.body));
      });
    }
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
