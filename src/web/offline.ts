/** Registers the service worker that keeps the wallet and the gate usable without a network (see sw.ts). */
export async function registerOffline(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      // The first visit: the worker takes over this page once it activates (clients.claim).
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
        setTimeout(resolve, 5000);
      });
    }
    return registration;
  } catch {
    return undefined;
  }
}

/** The page's own stylesheet and scripts, imports included, as paths. */
export function pageAssets(): string[] {
  const links = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"], link[rel="modulepreload"]')].map((link) => new URL(link.href).pathname);
  const scripts = [...document.querySelectorAll<HTMLScriptElement>('script[type="module"][src]')].map((script) => new URL(script.src).pathname);
  return [...links, ...scripts];
}

/**
 * Asks the worker to save pages and their assets in the audience's cache. Only what is not saved
 * yet is fetched, and a document page only when its version (`versions`) has changed. Resolves
 * when done, or after 30 s.
 */
export async function keepForOffline(audience: 'wallet' | 'gate', urls: readonly string[], versions: Record<string, string> = {}): Promise<void> {
  const worker = (await navigator.serviceWorker?.ready)?.active;
  if (!worker) return;
  await new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    worker.postMessage({ type: 'sdx-keep', audience, urls: [...new Set(urls)], versions }, [channel.port2]);
    setTimeout(resolve, 30_000);
  });
}

/** When the worker showed this page from its saved copy and the fresh one has come, `apply` gets the fresh page's text. */
export function onPageUpdated(apply: (html: string) => void): void {
  navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; path?: unknown } | null;
    if (data?.type !== 'sdx-page-updated' || data.path !== location.pathname) return;
    void caches
      .match(location.pathname)
      .then((saved) => saved?.text())
      .then((text) => {
        if (!text) return;
        // The language was switched meanwhile: the whole page changes, not only its content; the fresh copy is saved now.
        if (new DOMParser().parseFromString(text, 'text/html').documentElement.lang !== document.documentElement.lang) location.reload();
        else apply(text);
      });
  });
}
