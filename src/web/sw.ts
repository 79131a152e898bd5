/**
 * The service worker: the wallet, its documents, the gate page and the sign-in page open without a
 * network, from the copy saved the last time they loaded. On a weak link a saved page shows at once
 * and the fresh one follows in the background: the page is told and swaps its content in. Live
 * answers (pass status, API, verification, the event stream) are never cached; signing out clears
 * everything (Clear-Site-Data).
 *
 * One cache per audience, filled by the pages of that audience (see offline.ts): a trucker's phone
 * never holds the gate's scripts, and a gate screen never a wallet.
 */
type Audience = 'shell' | 'wallet' | 'gate';
const CACHE_FOR: Record<Audience, string> = { shell: 'sdx-shell-v2', wallet: 'sdx-wallet-v2', gate: 'sdx-gate-v2' };
/** A saved document page is fetched again after this long even if unchanged: its gate pass must stay fresh (offline.ts renews the one shown). */
const DOCUMENT_PAGE_MAX_AGE_MS = 12 * 3600_000;

/** A fresh page that comes within this wait is shown instead of the saved one; later, it follows. */
const GRACE_MS = 400;
/** Pages not shown from a saved copy at once (the sign-in form, a page asked with a query) wait this long for the network. */
const NETWORK_WAIT_MS = 2000;

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  clientId: string;
  resultingClientId: string;
  respondWith(response: Promise<Response>): void;
}
interface MessageEventLike extends ExtendableEventLike {
  data: unknown;
  ports: readonly MessagePort[];
}
interface ClientLike {
  postMessage(message: unknown): void;
}
interface ServiceWorkerScopeLike {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void>; get(id: string): Promise<ClientLike | undefined> };
  location: Location;
}

const worker = self as unknown as ServiceWorkerScopeLike;

/** Which audience's cache keeps a page; none for anything live or not a page of these. */
function audienceOf(url: URL): Audience | undefined {
  if (url.origin !== worker.location.origin) return undefined;
  const path = url.pathname;
  if (path === '/login') return 'shell';
  if (path === '/gate') return 'gate';
  if ((path === '/m' || path.startsWith('/m/')) && !path.endsWith('/stream')) return 'wallet';
  return undefined;
}

worker.addEventListener('install', (event) => {
  // The sign-in page without cookies: the saved copy is for showing offline; online, a fresh one (with its own form token) always wins.
  event.waitUntil(
    caches
      .open(CACHE_FOR.shell)
      .then(async (cache) => {
        for (const url of ['/login', '/static/app.css']) {
          const response = await fetch(url, { credentials: 'omit' }).catch(() => undefined);
          if (response?.ok) await cache.put(url, response);
        }
      })
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  const current = new Set<string>(Object.values(CACHE_FOR));
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('sdx-') && !current.has(name)).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

const offline = () => new Response('offline and not saved on this phone', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
const after = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));

/**
 * Asks the network, saving what comes back. A saved copy's ETag goes along, so an unchanged page
 * costs a 304 and no body. Resolves to undefined when the network fails or says nothing new.
 */
async function refresh(request: Request, cache: Cache, key: string, saved: Response | undefined): Promise<Response | undefined> {
  const etag = saved?.headers.get('etag');
  // Own Cache-Control: without it the browser adds `no-cache`, and the server would never answer 304.
  const conditional = etag
    ? new Request(key, { credentials: 'same-origin', redirect: request.mode === 'navigate' ? 'manual' : 'follow', headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })
    : request;
  try {
    const response = await fetch(conditional);
    if (response.status === 304) return undefined;
    // A redirect (to the sign-in page, say) is not the page; the saved copy stays.
    if (response.ok && response.type === 'basic' && !response.redirected && new URL(request.url).search === '') await cache.put(key, response.clone());
    return response;
  } catch {
    return undefined;
  }
}

async function tell(clientId: string, message: { type: 'sdx-page-updated'; path: string }): Promise<void> {
  const client = clientId ? await worker.clients.get(clientId) : undefined;
  client?.postMessage(message);
}

async function page(event: FetchEventLike, audience: Audience): Promise<Response> {
  const { request } = event;
  const url = new URL(request.url);
  const key = url.origin + url.pathname;
  const cache = await caches.open(CACHE_FOR[audience]);
  const saved = await cache.match(key);
  const fresh = refresh(request, cache, key, url.search === '' ? saved : undefined);
  if (!saved) return (await fresh) ?? offline();
  const asked = request.mode === 'navigate';
  if (!asked) return (await fresh) ?? saved.clone();
  // The sign-in form's token and a page asked with a query (a notice, a pager) are the server's to give: they get longer.
  const first = await Promise.race([fresh, after(audience === 'shell' || url.search !== '' ? NETWORK_WAIT_MS : GRACE_MS)]);
  if (first) return first;
  // Shown from the saved copy: when the fresh page comes, the open page swaps it in (offline.ts).
  event.waitUntil(
    fresh.then((response) => {
      if (response?.ok && url.search === '') return tell(event.resultingClientId || event.clientId, { type: 'sdx-page-updated', path: url.pathname });
      return undefined;
    }),
  );
  return saved.clone();
}

/** Scripts and styles a page saved for its audience: the saved copy at once, refreshed behind it (mostly from the browser's HTTP cache). */
async function asset(event: FetchEventLike): Promise<Response> {
  const { request } = event;
  const saved = await caches.match(request);
  if (!saved) return fetch(request);
  event.waitUntil(
    fetch(request)
      .then(async (response) => {
        if (!response.ok) return;
        // Only caches that exist: opening one would create it (and a wallet phone holds no gate cache).
        for (const name of (await caches.keys()).filter((key) => Object.values(CACHE_FOR).includes(key))) {
          const cache = await caches.open(name);
          if (await cache.match(request)) await cache.put(request, response.clone());
        }
      })
      .catch(() => undefined),
  );
  return saved;
}

/**
 * What a page asks to keep for offline (offline.ts): its own scripts and styles, itself, and for the
 * wallet its documents. What is saved already is left alone, but a document page whose version
 * (X-Document-Version) has moved on, or that is old enough for its pass to need renewing, is fetched again.
 */
interface KeepRequest {
  type: 'sdx-keep';
  audience: 'wallet' | 'gate';
  urls: string[];
  versions: Record<string, string>;
}

function isKeepRequest(data: unknown): data is KeepRequest {
  const d = data as Partial<KeepRequest> | null;
  return d?.type === 'sdx-keep' && (d.audience === 'wallet' || d.audience === 'gate') && Array.isArray(d.urls) && typeof d.versions === 'object';
}

async function keep(request: KeepRequest): Promise<number> {
  const cache = await caches.open(CACHE_FOR[request.audience]);
  let fetched = 0;
  await Promise.all(
    request.urls.map(async (url) => {
      const saved = await cache.match(url);
      const version = request.versions[url];
      const age = Date.now() - Date.parse(saved?.headers.get('date') ?? '');
      if (saved && (version === undefined || (saved.headers.get('x-document-version') === version && age < DOCUMENT_PAGE_MAX_AGE_MS))) return;
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (response.ok && !response.redirected) await cache.put(url, response);
        fetched += 1;
      } catch {
        // Offline now: the copy saved last time stays.
      }
    }),
  );
  return fetched;
}

worker.addEventListener('message', (event) => {
  if (!isKeepRequest(event.data)) return;
  event.waitUntil(keep(event.data).then((fetched) => event.ports[0]?.postMessage({ fetched })));
});

worker.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const url = new URL(event.request.url);
  const audience = audienceOf(url);
  if (audience) event.respondWith(page(event, audience));
  else if (url.origin === worker.location.origin && url.pathname.startsWith('/static/')) event.respondWith(asset(event));
});
