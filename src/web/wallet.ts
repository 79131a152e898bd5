import { onDocumentEvents, refreshMain, replaceMain } from './live.js';
import { keepForOffline, onPageUpdated, pageAssets, registerOffline } from './offline.js';

/** A fresh pass is fetched this long before the one shown expires. */
const RENEW_BEFORE_MS = 15 * 60_000;
const RECHECK_EVERY_MS = 60_000;

interface PassData {
  url: string;
  /** Seconds since the epoch. */
  expires: number;
  renewable: boolean;
}

function passData(): PassData | undefined {
  const element = document.getElementById('pass');
  if (!element?.textContent) return undefined;
  try {
    return JSON.parse(element.textContent) as PassData;
  } catch {
    return undefined;
  }
}

let renewing = false;

/**
 * The page shows one expiry, the document's; its QR (a pass of at most 24 hours) is kept fresh: shortly
 * before the pass expires, an online phone fetches the page again. Offline, an expired code says so.
 */
async function keepPassFresh(): Promise<void> {
  const pass = passData();
  if (!pass || renewing) return;
  const left = pass.expires * 1000 - Date.now();
  if (left < RENEW_BEFORE_MS && pass.renewable && navigator.onLine) {
    renewing = true;
    try {
      // The worker saves the fresh page as it passes: one fetch, not two.
      await refreshMain();
    } finally {
      renewing = false;
    }
  }
  const current = passData();
  const expired = document.querySelector<HTMLElement>('.pass-expired');
  if (current && expired) expired.hidden = current.expires * 1000 > Date.now();
}

async function start(): Promise<void> {
  const note = document.querySelector<HTMLElement>('.offline-note');
  if (note && !navigator.onLine) note.hidden = false;
  // A tap makes the code fill the screen; brightness is the phone's to set. (Delegated: the code is redrawn.)
  document.addEventListener('click', (event) => {
    const qr = (event.target as Element | null)?.closest<HTMLElement>('figure.qr');
    if (!qr) return;
    if (document.fullscreenElement) void document.exitFullscreen();
    else void qr.requestFullscreen?.().catch(() => undefined);
  });
  void keepPassFresh();
  setInterval(() => void keepPassFresh(), RECHECK_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void keepPassFresh();
  });
  window.addEventListener('online', () => void keepPassFresh());
  // A saved copy was shown on a weak link; the fresh one has come.
  onPageUpdated(replaceMain);
  const registration = await registerOffline();
  const { urls, versions } = documentPages();
  if (navigator.onLine) await keepForOffline('wallet', [location.pathname, ...pageAssets(), ...urls], versions);
  // A document handed to this party, or changed (at the gate, say), shows up without a reload; of the saved pages only its own is fetched again (its version moved on).
  onDocumentEvents(() => {
    void refreshMain().then(async () => {
      const { urls, versions } = documentPages();
      await keepForOffline('wallet', urls, versions);
      document.body.dataset['updates'] = String(Number(document.body.dataset['updates'] ?? '0') + 1);
    });
  });
  // Tells people (and tests) that this page and its documents now open offline.
  if (registration && navigator.serviceWorker.controller) document.body.dataset['offlineReady'] = 'true';
}

/** The document pages this list links to, each with its version (saved copies of older versions are fetched again). */
function documentPages(): { urls: string[]; versions: Record<string, string> } {
  const links = [...document.querySelectorAll<HTMLAnchorElement>('a[data-document]')];
  return {
    urls: links.map((a) => a.pathname),
    versions: Object.fromEntries(links.filter((a) => a.dataset['version']).map((a) => [a.pathname, a.dataset['version'] ?? ''])),
  };
}

void start();
