import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { securityHeaders } from './app';
import { sendProblem } from './problem';

/** How long a client is asked to wait before it asks again while the service starts. */
export const STARTING_RETRY_SECONDS = 1;

/**
 * Answers every request on `server` with 503 `starting` and Retry-After until the returned function
 * hands it the wired app. The port is bound before the app is wired (so QR codes name it); a request
 * in between, such as a load balancer's probe or a phone during a restart, is told to come back
 * instead of being left without an answer, which also kept the server from ever closing.
 */
export function answerWhileStarting(server: Server, secure: boolean): (app: Express) => void {
  const starting = express();
  starting.disable('x-powered-by');
  starting.use(securityHeaders(secure));
  starting.use((_req, res) => {
    res.set('Retry-After', String(STARTING_RETRY_SECONDS));
    sendProblem(res, { status: 503, code: 'starting', detail: 'the service is starting; retry shortly' });
  });
  server.on('request', starting);
  return (app) => {
    server.off('request', starting);
    server.on('request', app);
  };
}
