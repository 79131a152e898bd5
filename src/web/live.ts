/**
 * Listens to the party's event stream (Server-Sent Events, resumed by the browser with
 * Last-Event-ID after a drop) and hands each event's document id to `onEvent`.
 */
export function onDocumentEvents(onEvent: (documentId: string) => void): EventSource | undefined {
  if (!('EventSource' in window)) return undefined;
  const source = new EventSource('/m/stream');
  source.onmessage = (message: MessageEvent<string>) => onEvent(documentIdOf(message.data));
  for (const type of ['issue', 'transfer', 'present', 'release', 'reject-presentation', 'void', 'amend', 'gate-record', 'countersign', 'accept', 'reject', 'withdraw', 'expire', 'archive-renewed']) {
    source.addEventListener(type, (message) => onEvent(documentIdOf((message as MessageEvent<string>).data)));
  }
  return source;
}

function documentIdOf(data: string): string {
  try {
    const parsed = JSON.parse(data) as { documentId?: unknown };
    return typeof parsed.documentId === 'string' ? parsed.documentId : '';
  } catch {
    return '';
  }
}

/** Replaces this page's main content with the main content of `html`, a fresh copy of the page. */
export function replaceMain(html: string): void {
  const fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('main');
  const current = document.querySelector('main');
  if (fresh && current) current.replaceChildren(...Array.from(fresh.childNodes).map((node) => document.importNode(node, true)));
}

/** Replaces this page's main content with a fresh copy from the server, without a reload (the worker saves that copy). */
export async function refreshMain(): Promise<void> {
  try {
    const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok && !response.redirected) replaceMain(await response.text());
  } catch {
    // Offline: the page stays as it is.
  }
}
