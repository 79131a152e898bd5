import { gateVerdict, parsePassClaims, plateCheck, type LiveStatus, type PassClaims, type Verdict, type VerdictReason } from '../domain/gate/gate-pass.js';

/** Checks a gate pass in the browser: signature by WebCrypto against the trusted keys, then live status. */

export interface PassKey extends JsonWebKey {
  kid: string;
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
    status: string;
    record: string;
    release: string;
    kinds: Record<string, string>;
    statuses: Record<string, string>;
  };
  csrf: string | null;
  /** A terminal's or depot's clerk, who may read the facts of the documents its party takes part in. */
  clerk: boolean;
  lang: string;
}

/** A name in English, and in Chinese where the document gives one. */
export interface Named {
  en: string;
  zh: string | null;
}

/** The document's own words behind a pass, as `/gate/facts/<token>` gives them to a clerk (see PageReads.gateFacts). */
export interface GateFacts {
  kind: string;
  number: string;
  direction: 'IN' | 'OUT' | null;
  containers: { number: string; sizeType: string | null }[];
  seals: string[];
  truckPlate: string | null;
  haulier: Named | null;
  facility: Named | null;
}

const KEYS_STORAGE = 'sdx-pass-keys';

export function readJson<T>(id: string): T | undefined {
  const element = document.getElementById(id);
  if (!element?.textContent) return undefined;
  return JSON.parse(element.textContent) as T;
}

/** The page's key list, remembered so a gate that loads later offline still has it. */
export function trustedKeys(): PassKey[] {
  const fromPage = readJson<{ keys: PassKey[] }>('pass-keys')?.keys ?? [];
  let remembered: PassKey[] = [];
  try {
    remembered = (JSON.parse(localStorage.getItem(KEYS_STORAGE) ?? '{"keys":[]}') as { keys: PassKey[] }).keys;
  } catch {
    remembered = [];
  }
  const byKid = new Map<string, PassKey>([...remembered, ...fromPage].map((key) => [key.kid, key]));
  const keys = [...byKid.values()];
  localStorage.setItem(KEYS_STORAGE, JSON.stringify({ keys }));
  return keys;
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
  signature: 'valid' | 'invalid' | 'unknown-key';
  claims: PassClaims | undefined;
}

export async function checkSignature(token: string, keys: readonly PassKey[]): Promise<CheckedSignature> {
  const [headerPart = '', bodyPart = '', signaturePart = ''] = token.split('.');
  const header = decodeJson(headerPart) as { alg?: unknown; kid?: unknown } | undefined;
  const claims = parsePassClaims(decodeJson(bodyPart));
  if (!header || header.alg !== 'ES256' || !claims) return { signature: 'invalid', claims: undefined };
  const jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) return { signature: 'unknown-key', claims };
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const ok = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      base64UrlBytes(signaturePart),
      new TextEncoder().encode(`${headerPart}.${bodyPart}`),
    );
    return { signature: ok ? 'valid' : 'invalid', claims };
  } catch {
    return { signature: 'invalid', claims };
  }
}

/** The live status, or undefined when the service cannot be reached (the verdict is then amber at best). */
export async function fetchLiveStatus(token: string): Promise<LiveStatus | undefined> {
  try {
    const response = await fetch(`/v/${token}/status`, { cache: 'no-store', headers: { accept: 'application/json' } });
    if (!response.ok) return response.status === 404 ? { found: false } : undefined;
    return (await response.json()) as LiveStatus;
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
}

export async function checkPass(text: string, presentedPlate: string, options: { clerk: boolean } = { clerk: false }): Promise<CheckResult> {
  const token = tokenFrom(text);
  if (!token) return { verdict: { colour: 'red', reasons: ['malformed'] }, claims: undefined, live: undefined, presentedPlate, facts: undefined };
  const { signature, claims } = await checkSignature(token, trustedKeys());
  const [live, facts] = signature === 'valid' ? await Promise.all([fetchLiveStatus(token), options.clerk ? fetchGateFacts(token) : undefined]) : [];
  const verdict = gateVerdict({
    claims,
    signature,
    now: Math.floor(Date.now() / 1000),
    ...(presentedPlate ? { presentedPlate } : {}),
    ...(live ? { live } : {}),
  });
  return { verdict, claims: signature === 'valid' ? claims : undefined, live, presentedPlate, facts };
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const nameIn = (lang: string, name: Named) => (lang === 'en' ? name.en : (name.zh ?? name.en));

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
  section.hidden = false;
}
