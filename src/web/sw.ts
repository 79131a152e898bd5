/**
 * The service worker: the wallet, its documents and the gate page open without a network, from the
 * copy saved the last time they loaded. Live answers (pass status, API, verification) are never
 * cached; signing out clears everything (Clear-Site-Data).
 */
const CACHE = 'sdx-pages-v1';
const PRECACHE = ['/static/app.css', '/static/web/wallet.js', '/static/web/gate.js', '/static/web/pass-check.js', '/static/web/offline.js', '/static/domain/gate/gate-pass.js', '/pass-keys.json'];

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScopeLike {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

const worker = self as unknown as ServiceWorkerScopeLike;

function kept(url: URL): boolean {
  if (url.origin !== worker.location.origin) return false;
  // Live answers: a pass's status, and the event stream (which never ends, so it cannot be saved).
  if (url.pathname.endsWith('/status') || url.pathname.endsWith('/stream')) return false;
  return (
    url.pathname.startsWith('/m/') ||
    url.pathname === '/gate' ||
    url.pathname.startsWith('/v/') ||
    url.pathname.startsWith('/static/') ||
    url.pathname === '/pass-keys.json'
  );
}

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(PRECACHE.map((url) => cache.add(url).catch(() => undefined))))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(worker.clients.claim());
});

async function networkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A redirect to the sign-in page is not the page; keep the saved copy instead.
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch {
    const saved = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
    return saved ?? new Response('offline and not saved on this phone', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || !kept(url)) return;
  event.respondWith(networkFirst(event.request));
});
