import { onDocumentEvents, refreshMain } from './live.js';
import { keepForOffline, registerOffline } from './offline.js';

async function start(): Promise<void> {
  const note = document.querySelector<HTMLElement>('.offline-note');
  if (note && !navigator.onLine) note.hidden = false;
  const qr = document.querySelector<HTMLElement>('figure.qr');
  // A tap makes the code fill the screen; brightness is the phone's to set.
  qr?.addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void qr.requestFullscreen?.().catch(() => undefined);
  });
  const registration = await registerOffline();
  if (registration && !navigator.serviceWorker.controller) {
    // The first visit: the worker takes over this page once it activates (clients.claim).
    await new Promise((resolve) => {
      navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  }
  if (navigator.onLine) {
    const documents = [...document.querySelectorAll<HTMLAnchorElement>('a[data-document]')].map((a) => a.pathname);
    await keepForOffline([location.pathname, ...documents, '/pass-keys.json']);
  }
  // A document handed to this party, or changed, shows up without a reload; the saved copies follow.
  onDocumentEvents(() => {
    void refreshMain().then(async () => {
      const documents = [...document.querySelectorAll<HTMLAnchorElement>('a[data-document]')].map((a) => a.pathname);
      await keepForOffline([location.pathname, ...documents]);
      document.body.dataset['updates'] = String(Number(document.body.dataset['updates'] ?? '0') + 1);
    });
  });
  // Tells people (and tests) that this page and its documents now open offline.
  if (registration && navigator.serviceWorker.controller) document.body.dataset['offlineReady'] = 'true';
}

void start();
