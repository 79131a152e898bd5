import {
  gateVerdict,
  isLowS,
  parsePassClaims,
  parsePassHeader,
  plateCheck,
  type GateFacts,
  type GateName,
  type LiveStatus,
  type PassClaims,
  type SignatureOutcome,
  type Verdict,
  type VerdictReason,
} from '../domain/gate/gate-pass.js';

/** Checks a gate pass in the browser: signature by WebCrypto against the trusted keys, then the server's verdict. */

export interface PassKey extends JsonWebKey {
  kid: string;
  /** A retired key: seconds since the epoch from which its passes are refused. */
  retired?: number;
}

/** The published key set and when the server published it (milliseconds, its clock). */
interface KeySet {
  keys: PassKey[];
  at: number;
}

export interface PageWords {
  reasons: Record<VerdictReason, string>;
  words: {
    green: string;
    amber: string;
    red: string;
    plateUnchecked: string;
    container: string;
    truckPlate: string;
    plateOnDocument: string;
    plateAtGate: string;
    direction: string;
    directions: Record<'IN' | 'OUT', string>;
    seals: string;
    haulier: string;
    facility: string;
    passExpires: string;
    /** With `{age}`. */
    clockChecked: string;
    clockNeverChecked: string;
    /** Each with `{n}`. */
    ages: { minutes: string; hours: string; days: string };
    status: string;
    record: string;
    release: string;
    kinds: Record<string, string>;
    statuses: Record<string, string>;
  };
  csrf: string | null;
  /** A terminal's or depot's clerk's party: a pass must name it as its facility; the clerk may read the document's facts. */
  gateParty: string | null;
  lang: string;
}

export type { GateFacts };

const KEYS_STORAGE = 'sdx-pass-keys';
const CLOCK_STORAGE = 'sdx-clock-check';

export function readJson<T>(id: string): T | undefined {
  const element = document.getElementById(id);
  if (!element?.textContent) return undefined;
  return JSON.parse(element.textContent) as T;
}

function saved(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return undefined;
  }
}

function isKeySet(value: unknown): value is KeySet {
  if (typeof value !== 'object' || value === null) return false;
  const { keys, at } = value as Partial<KeySet>;
  return Array.isArray(keys) && typeof at === 'number';
}

/**
 * The newest published key set this gate has seen: the page's, or the one saved earlier when the
 * page is an older offline copy. It replaces the saved set, so a key the service no longer
 * publishes is no longer trusted.
 */
export function trustedKeys(): PassKey[] {
  const fromPage = readJson<unknown>('pass-keys');
  const remembered = saved(KEYS_STORAGE);
  const sets = [fromPage, remembered].filter(isKeySet).sort((a, b) => b.at - a.at);
  const newest = sets[0];
  if (newest && newest !== remembered) localStorage.setItem(KEYS_STORAGE, JSON.stringify(newest));
  return newest?.keys ?? [];
}

/** The last time the server answered: its clock and this device's at that moment (milliseconds). */
interface ClockCheck {
  server: number;
  device: number;
}

function clockCheck(): ClockCheck | undefined {
  const value = saved(CLOCK_STORAGE);
  if (typeof value !== 'object' || value === null) return undefined;
  const { server, device } = value as Partial<ClockCheck>;
  return typeof server === 'number' && typeof device === 'number' ? { server, device } : undefined;
}

/** The server's time now, as far as this gate knows: its own clock, set right at the last server answer. */
function gateNow(): number {
  const check = clockCheck();
  return Date.now() + (check ? check.server - check.device : 0);
}

/** The token from what was scanned or typed: a pass URL (`…/v/<token>`) or the bare token. */
export function tokenFrom(text: string): string | undefined {
  const trimmed = text.trim();
  const match = /(?:\/v\/)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\/?$/.exec(trimmed);
  return match?.[1];
}

function base64UrlBytes(part: string): Uint8Array<ArrayBuffer> {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(base64UrlBytes(part)));
  } catch {
    return undefined;
  }
}

export interface CheckedSignature {
  signature: SignatureOutcome;
  claims: PassClaims | undefined;
}

/** The same rules as the server's GatePasses.open: header, key, low-S, signature, claims, retirement. */
export async function checkSignature(token: string, keys: readonly PassKey[]): Promise<CheckedSignature> {
  const [headerPart = '', bodyPart = '', signaturePart = ''] = token.split('.');
  const header = parsePassHeader(decodeJson(headerPart));
  const claims = parsePassClaims(decodeJson(bodyPart));
  if (!header || !claims) return { signature: 'invalid', claims: undefined };
  const jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) return { signature: 'unknown-key', claims };
  try {
    const signature = base64UrlBytes(signaturePart);
    if (!isLowS(signature)) return { signature: 'invalid', claims };
    const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, new TextEncoder().encode(`${headerPart}.${bodyPart}`));
    if (!ok) return { signature: 'invalid', claims };
    return { signature: jwk.retired !== undefined && claims.iat >= jwk.retired ? 'key-retired' : 'valid', claims };
  } catch {
    return { signature: 'invalid', claims };
  }
}

/** What the server said about a pass: its live status, or the code it refused the pass with. */
export type ServerAnswer = { live: LiveStatus } | { refused: string };

/**
 * The server's verdict, or undefined when there is none to be had: no network, a 5xx, a timeout
 * or a rate limit (the verdict is then amber at best). Any other 4xx is a refusal: red. Every
 * answer also sets this gate's clock (the response's Date).
 */
export async function fetchServerAnswer(token: string): Promise<ServerAnswer | undefined> {
  try {
    const response = await fetch(`/v/${token}/status`, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } });
    const serverTime = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isNaN(serverTime)) localStorage.setItem(CLOCK_STORAGE, JSON.stringify({ server: serverTime, device: Date.now() } satisfies ClockCheck));
    if (response.status >= 500 || response.status === 408 || response.status === 429) return undefined;
    const body = (await response.json().catch(() => undefined)) as { found?: unknown; code?: unknown } | undefined;
    if (response.status >= 400) return { refused: typeof body?.code === 'string' ? body.code : `http-${response.status}` };
    return response.ok && typeof body?.found === 'boolean' ? { live: body as LiveStatus } : undefined;
  } catch {
    return undefined;
  }
}

/** A clerk's facts for the pass, or undefined when they cannot be had (offline, not a party to it). */
export async function fetchGateFacts(token: string): Promise<GateFacts | undefined> {
  try {
    const response = await fetch(`/gate/facts/${token}`, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok || response.redirected) return undefined;
    return (await response.json()) as GateFacts;
  } catch {
    return undefined;
  }
}

export interface CheckResult {
  verdict: Verdict;
  claims: PassClaims | undefined;
  live: LiveStatus | undefined;
  /** The plate typed at the gate, as typed. */
  presentedPlate: string;
  facts: GateFacts | undefined;
  /**
   * Offline: milliseconds since this gate last had the server's time (null: never); undefined when
   * the server answered this check.
   */
  clockAge?: number | null;
}

export async function checkPass(text: string, presentedPlate: string, options: { gateParty: string | null } = { gateParty: null }): Promise<CheckResult> {
  const token = tokenFrom(text);
  if (!token) return { verdict: { colour: 'red', reasons: ['malformed'] }, claims: undefined, live: undefined, presentedPlate, facts: undefined };
  const { signature, claims } = await checkSignature(token, trustedKeys());
  const [answer, facts] = signature === 'valid' ? await Promise.all([fetchServerAnswer(token), options.gateParty ? fetchGateFacts(token) : undefined]) : [];
  const live = answer && 'live' in answer ? answer.live : undefined;
  const verdict = gateVerdict({
    claims,
    signature,
    // Online this is the server's clock (the answer just set it); offline the last one it gave.
    now: Math.floor(gateNow() / 1000),
    ...(presentedPlate ? { presentedPlate } : {}),
    ...(options.gateParty ? { gateParty: options.gateParty } : {}),
    ...(live ? { live } : {}),
    ...(answer && 'refused' in answer ? { refused: answer.refused } : {}),
  });
  const check = clockCheck();
  const offline = signature === 'valid' && !answer;
  return {
    verdict,
    claims: signature === 'valid' ? claims : undefined,
    live,
    presentedPlate,
    facts,
    ...(offline ? { clockAge: check ? Math.max(0, Date.now() - check.device) : null } : {}),
  };
}

/** "3 h", "2 天": how long ago, in the page's words. */
function ageText(ms: number, ages: PageWords['words']['ages']): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return ages.minutes.replace('{n}', String(Math.max(1, minutes)));
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? ages.hours.replace('{n}', String(hours)) : ages.days.replace('{n}', String(Math.floor(hours / 24)));
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const nameIn = (lang: string, name: GateName) => (lang === 'en' ? name.en : (name.zh ?? name.en));

/**
 * Draws the verdict with DOM nodes only (no HTML strings), so nothing in a token can become markup.
 * The document is named by its business number (from the clerk's facts; the pass's SDX id is never
 * shown); the plate row says whether the plate typed at the gate matches, and on a mismatch shows both.
 */
export function renderVerdict(section: HTMLElement, result: CheckResult, words: PageWords): void {
  const { verdict, claims, live, facts } = result;
  const w = words.words;
  section.replaceChildren();
  section.className = `verdict ${verdict.colour}`;
  section.dataset['colour'] = verdict.colour;
  const headline = verdict.colour === 'amber' && !verdict.reasons.includes('offline') ? w.plateUnchecked : w[verdict.colour];
  section.append(element('p', headline, 'headline'));
  if (verdict.reasons.length > 0) {
    const list = element('ul', undefined, 'reasons');
    for (const reason of verdict.reasons) {
      const item = element('li', words.reasons[reason]);
      item.dataset['reason'] = reason;
      list.append(item);
    }
    section.append(list);
  }
  if (claims) {
    const documentLine = element('p', undefined, 'document-line');
    documentLine.append(element('span', w.kinds[claims.k] ?? '', 'kind-name'));
    if (facts?.number) {
      const number = element('span', facts.number, 'number mono big');
      number.dataset['fact'] = 'number';
      documentLine.append(' ', number);
    }
    section.append(documentLine);
    const list = element('dl', undefined, 'facts');
    const add = (label: string, value: string, fact: string, className?: string) => {
      const row = element('div');
      const dd = element('dd', value, className);
      dd.dataset['fact'] = fact;
      row.append(element('dt', label), dd);
      list.append(row);
      return dd;
    };
    if (facts?.direction) add(w.direction, w.directions[facts.direction], 'direction', 'big');
    const containers = facts?.containers.length ? facts.containers : claims.c ? [{ number: claims.c, sizeType: null }] : [];
    if (containers.length > 0) {
      const shown = containers.slice(0, 3).map((c) => (c.sizeType ? `${c.number} ${c.sizeType}` : c.number));
      add(w.container, shown.join(' · ') + (containers.length > 3 ? ` +${containers.length - 3}` : ''), 'container', 'big mono');
    }
    if (facts?.seals.length) add(w.seals, facts.seals.join(' · '), 'seals', 'mono');
    const plate = plateCheck(claims.p, result.presentedPlate);
    if (claims.p !== undefined && plate === 'mismatch') {
      add(w.plateOnDocument, claims.p, 'plate', 'big').dataset['plate'] = plate;
      add(w.plateAtGate, result.presentedPlate.trim(), 'gate-plate', 'big').dataset['plate'] = plate;
    } else if (claims.p !== undefined) {
      add(w.truckPlate, plate === 'match' ? `${claims.p} ✓` : claims.p, 'plate', 'big').dataset['plate'] = plate;
    }
    if (facts?.haulier) add(w.haulier, nameIn(words.lang, facts.haulier), 'haulier');
    if (facts?.facility) add(w.facility, nameIn(words.lang, facts.facility), 'facility');
    if (live?.status) add(w.status, w.statuses[live.status] ?? live.status, 'status');
    add(w.passExpires, new Date(claims.exp * 1000).toLocaleString(words.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' }), 'expires');
    section.append(list);
    if (verdict.colour === 'green' && words.csrf) {
      if (claims.k === 'e') {
        const link = element('a', w.record, 'button primary');
        link.href = `/gate/record/${encodeURIComponent(claims.d)}`;
        section.append(link);
      } else if (claims.k === 'd' && live?.status === 'presented') {
        const form = element('form');
        form.method = 'post';
        form.action = `/gate/release/${encodeURIComponent(claims.d)}`;
        const csrf = element('input');
        csrf.type = 'hidden';
        csrf.name = 'csrf';
        csrf.value = words.csrf;
        form.append(csrf, element('button', w.release, 'primary'));
        section.append(form);
      }
    }
  }
  if (result.clockAge !== undefined) {
    const line = result.clockAge === null ? w.clockNeverChecked : w.clockChecked.replace('{age}', ageText(result.clockAge, w.ages));
    section.append(element('p', line, 'clock-age'));
  }
  section.hidden = false;
}
