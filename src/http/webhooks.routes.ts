import { Router } from 'express';
import type { WebhookService } from '../application/webhooks/webhook-service';
import { callerOf } from './auth';

/** A party's webhooks: register, list, disable, and inspect or redrive deliveries. */
export function webhooksRouter(webhooks: WebhookService): Router {
  const router = Router();

  router.post('/webhooks', async (req, res) => {
    const created = await webhooks.register(callerOf(req), req.body);
    res.status(201).location(`/api/v1/webhooks/${created.id}`).json(created);
  });

  router.get('/webhooks', async (req, res) => {
    res.json({ items: await webhooks.list(callerOf(req)) });
  });

  router.get('/webhooks/:id', async (req, res) => {
    res.json(await webhooks.own(callerOf(req), req.params.id));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    await webhooks.disable(callerOf(req), req.params.id);
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    res.json({ items: await webhooks.deliveries(callerOf(req), req.params.id, { status: req.query['status'], limit: req.query['limit'] }) });
  });

  router.post('/webhooks/:id/deliveries/:deliveryId/redrive', async (req, res) => {
    res.json(await webhooks.redrive(callerOf(req), req.params.id, req.params.deliveryId));
  });

  return router;
}
