import { Router } from 'express';
import type { Platform } from '../application/federation/platform';

/** What other platforms read and call: this platform's keys, and PINT's routes under /pint/v3. */
export function federationRouter(platform: Platform): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', (_req, res) => {
    // Peers cache the set; a rotated key shows within the hour.
    res.set('Cache-Control', 'public, max-age=3600').json(platform.jwks());
  });
  return router;
}
