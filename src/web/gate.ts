import { onDocumentEvents } from './live.js';
import { keepForOffline, pageAssets, registerOffline } from './offline.js';
import { checkPass, readJson, renderVerdict, trustedKeys, type PageWords } from './pass-check.js';

/** BarcodeDetector is not in every browser (nor in TypeScript's DOM types); typing is the fallback. */
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

const SCAN_INTERVAL_MS = 250;
const SCAN_LIMIT_MS = 60_000;

const words = readJson<PageWords>('pass-words');
const verdict = document.getElementById('verdict');
const form = document.getElementById('check-form') as HTMLFormElement | null;
const link = document.getElementById('link') as HTMLTextAreaElement | null;
const plate = document.getElementById('plate') as HTMLInputElement | null;

let lastChecked: { text: string; documentId: string } | undefined;

async function run(text: string): Promise<void> {
  if (!verdict || !words) return;
  verdict.dataset['state'] = 'checking';
  // Emptied first, so the same verdict twice is heard twice.
  for (const id of ['verdict-alert', 'verdict-status']) document.getElementById(id)?.replaceChildren();
  const result = await checkPass(text, plate?.value ?? '', { gateParty: words.gateParty });
  lastChecked = result.claims ? { text, documentId: result.claims.d } : undefined;
  renderVerdict(verdict, result, words);
  announce(verdict);
  verdict.dataset['state'] = 'done';
  verdict.scrollIntoView({ block: 'start' });
}

/** Says the drawn verdict's headline and reasons: a red one as an alert, the others as a status. */
function announce(section: HTMLElement): void {
  const said = [section.querySelector('.headline'), ...section.querySelectorAll('.reasons li')].map((node) => node?.textContent ?? '').filter(Boolean).join('. ');
  const red = section.dataset['colour'] === 'red';
  const alert = document.getElementById('verdict-alert');
  const status = document.getElementById('verdict-status');
  if (alert) alert.textContent = red ? said : '';
  if (status) status.textContent = red ? '' : said;
}

// A pass page (/v/<token>) checks its own token; the gate page checks a link given in its query.
const own = verdict?.dataset['token'] ?? new URLSearchParams(location.search).get('link');

form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = link?.value || own;
  if (text) void run(text);
});

async function scan(video: HTMLVideoElement, button: HTMLButtonElement, Detector: BarcodeDetectorConstructor): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    video.hidden = true;
    button.dataset['scanning'] = '';
  };
  video.srcObject = stream;
  video.hidden = false;
  button.dataset['scanning'] = 'true';
  await video.play();
  const detector = new Detector({ formats: ['qr_code'] });
  const started = Date.now();
  while (button.dataset['scanning'] === 'true' && Date.now() - started < SCAN_LIMIT_MS) {
    const [code] = await detector.detect(video).catch(() => []);
    if (code?.rawValue) {
      stop();
      if (link) link.value = code.rawValue;
      await run(code.rawValue);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, SCAN_INTERVAL_MS));
  }
  stop();
}

function offerCamera(): void {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  const button = document.getElementById('scan') as HTMLButtonElement | null;
  const video = document.getElementById('camera') as HTMLVideoElement | null;
  if (!Detector || !button || !video || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    if (button.dataset['scanning'] === 'true') button.dataset['scanning'] = '';
    else void scan(video, button, Detector).catch(() => (button.dataset['scanning'] = ''));
  });
}

trustedKeys();
offerCamera();
// A clerk's verdict follows the document: released or passed on elsewhere, it turns red by itself.
if (words?.csrf) {
  onDocumentEvents((documentId) => {
    if (lastChecked && documentId === lastChecked.documentId) void run(lastChecked.text);
  });
}
// The gate screen opens offline; a pass page (/v/, opened on anyone's phone) keeps nothing.
if (location.pathname === '/gate') void registerOffline().then(() => keepForOffline('gate', [location.pathname, ...pageAssets()]));

if (own) {
  if (link) link.value = own;
  void run(own);
}
