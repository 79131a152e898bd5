import type { HttpPost } from '../../application/webhooks/webhook-dispatcher';

/**
 * A webhook POST with Node's fetch: bounded by `timeoutMs` (a hung receiver costs one timeout,
 * not a stuck dispatcher), no redirects followed (a receiver cannot bounce a signed delivery
 * elsewhere), and the response body discarded.
 */
export const postJson: HttpPost = async (url, body, headers, timeoutMs) => {
  const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel().catch(() => undefined);
  return response.status;
};
