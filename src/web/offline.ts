/** Registers the service worker that keeps the wallet and the gate usable without a network. */
export async function registerOffline(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    return await navigator.serviceWorker.ready;
  } catch {
    return undefined;
  }
}

export const PAGE_CACHE = 'sdx-pages-v1';

/** Saves pages (with the session's cookie) so they open offline; one failure does not stop the rest. */
export async function keepForOffline(urls: readonly string[]): Promise<void> {
  const cache = await caches.open(PAGE_CACHE);
  await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch {
        // Offline now: the copy saved last time stays.
      }
    }),
  );
}
