// Shared by the exchange API behaviour suites: a thin client over the real app, and the checks
// every suite repeats (signed PDF verifies, event chain links, problem+json shape).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Response } from 'supertest';
import { verifyPdf } from '../../src/adapters/pdf/verify/verify-pdf';
import type { PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import { openEvent } from '../../src/application/events/signed-event';
import type { DocumentKind } from '../../src/domain/document/document';
import type { Store } from '../../src/application/ports/store.port';
import { certsDevTrust } from '../support/certs-dev';
import { exampleJson, repoRoot } from '../support/examples';
import { startTestApp, type TestApp, type TestAppOn } from '../support/test-app';

export const API = '/api/v1';

/** The demo parties (certs-dev/demo-parties.json) by what they do in these suites. */
export const P = {
  carrier: 'demo-carrier',
  agentSha: 'demo-agent-sha',
  agentPus: 'demo-agent-pus',
  terminal: 'demo-terminal',
  depot: 'demo-depot',
  haulierA: 'demo-haulier-a',
  haulierB: 'demo-haulier-b',
  consignee: 'demo-consignee',
  shipper: 'demo-shipper',
  forwarder: 'demo-forwarder',
  auditor: 'demo-auditor',
} as const;
export type PartyName = (typeof P)[keyof typeof P];
export const allParties: readonly PartyName[] = Object.values(P);

/** Which demo party issues each kind's example payload. */
export const exampleIssuer: Record<DocumentKind, PartyName> = {
  'delivery-order': P.agentSha,
  eir: P.terminal,
  'telex-release-guarantee': P.shipper,
};

export function gateRecordExample(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, 'templates', 'examples', 'eir-gate-record.json'), 'utf8')) as Record<string, unknown>;
}

export function photo(name: 'gate-photo-front.jpg' | 'gate-photo-door.png'): Buffer {
  return readFileSync(join(repoRoot, 'test', 'fixtures', 'photos', name));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

let counter = 0;
/** A unique D/O number (or EIR / guarantee number) so that repeated issues are distinct documents. */
export function uniqueRef(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid % 1000}-${Date.now() % 100000}-${counter}`;
}

const DAY_MS = 86_400_000;
/** An instant `ms` from now, to the second. */
const fromNow = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000).toISOString();

/**
 * The example payload of a kind with a unique document number, optionally changed further. Its
 * validity is around today (an EIR from an hour ago for a week, a D/O for two weeks), so gate passes
 * and gate records are within it whenever the tests run.
 */
export function payloadOf(kind: DocumentKind, changes: (p: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const payload = exampleJson(kind);
  if (kind === 'delivery-order') Object.assign(payload, { deliveryOrderNumber: uniqueRef('DO'), validUntil: fromNow(14 * DAY_MS) });
  if (kind === 'eir') Object.assign(payload, { eirNumber: uniqueRef('EIR'), validFrom: fromNow(-DAY_MS / 24), validUntil: fromNow(7 * DAY_MS) });
  if (kind === 'telex-release-guarantee') payload['guaranteeNumber'] = uniqueRef('TRG');
  changes(payload);
  return payload;
}

export class Client {
  constructor(readonly t: TestAppOn<Store>) {}

  auth(party: PartyName): string {
    const key = this.t.keys[party];
    if (!key) throw new Error(`no demo key for ${party}`);
    return `Bearer ${key}`;
  }

  get(party: PartyName, path: string): request.Test {
    return request(this.t.app).get(API + path).set('Authorization', this.auth(party));
  }

  post(party: PartyName, path: string, body?: unknown, headers: Record<string, string> = {}): request.Test {
    const req = request(this.t.app).post(API + path).set('Authorization', this.auth(party)).set(headers);
    return body === undefined ? req : req.send(body as object);
  }

  issue(party: PartyName, kind: DocumentKind, payload: unknown, headers: Record<string, string> = {}): request.Test {
    return this.post(party, '/documents', { kind, payload }, headers);
  }

  /** Issues a document and expects 201; returns the response body. */
  async issued(party: PartyName, kind: DocumentKind, payload: unknown = payloadOf(kind)): Promise<DocumentBody> {
    const res = await this.issue(party, kind, payload);
    expectStatus(res, 201);
    return res.body as DocumentBody;
  }

  act(party: PartyName, id: string, body: unknown, headers: Record<string, string> = {}): request.Test {
    return this.post(party, `/documents/${id}/events`, body, headers);
  }

  /** Applies an action and expects 200. */
  async acted(party: PartyName, id: string, body: unknown): Promise<DocumentBody> {
    const res = await this.act(party, id, body);
    expectStatus(res, 200);
    return res.body as DocumentBody;
  }

  async document(party: PartyName, id: string): Promise<DocumentBody> {
    const res = await this.get(party, `/documents/${id}`);
    expectStatus(res, 200);
    return res.body as DocumentBody;
  }

  async pdf(party: PartyName, id: string): Promise<Buffer> {
    // Binary bodies (PDFs) come back as a Buffer.
    const res = await this.get(party, `/documents/${id}/pdf`)
      .buffer(true)
      .parse((stream, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expectStatus(res, 200);
    expect(res.headers['content-type']).toMatch(/^application\/pdf/);
    return res.body as Buffer;
  }

  attach(party: PartyName, id: string, bytes: Buffer, filename: string, contentType: string): request.Test {
    return request(this.t.app)
      .post(`${API}/documents/${id}/attachments`)
      .set('Authorization', this.auth(party))
      .attach('file', bytes, { filename, contentType });
  }

  /** D/O issued by demo-agent-sha from the example payload; held by the consignee. */
  async deliveryOrder(changes?: (p: Record<string, unknown>) => void): Promise<DocumentBody> {
    return this.issued(P.agentSha, 'delivery-order', payloadOf('delivery-order', changes));
  }
}

export interface EventBodyView {
  seq: number;
  type: string;
  actor: string;
  at: string;
  hash: string;
  logIndex: number;
  data: Record<string, unknown>;
  signature: string;
}

export interface DocumentBody {
  id: string;
  kind: DocumentKind;
  version: number;
  status: string;
  issuer: string;
  holder: string | null;
  presentedTo: string | null;
  payloadHash: string;
  supersedes: string | null;
  supersededBy: string | null;
  sequence: number;
  createdAt: string;
  payload: Record<string, unknown>;
  pdfSha256: string | null;
  events: EventBodyView[];
}

/** Fails with the response body in the message, so a wrong status says why. */
export function expectStatus(res: Response, status: number): void {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status} for ${res.request.method} ${res.request.url}: ${JSON.stringify(res.body)}`);
  }
}

/** An RFC 9457 problem with SDX's stable code. */
export function expectProblem(res: Response, status: number, code?: string): void {
  expectStatus(res, status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(typeof body['type']).toBe('string');
  expect(typeof body['title']).toBe('string');
  expect(body['status']).toBe(status);
  expect(typeof body['detail']).toBe('string');
  expect(typeof body['code']).toBe('string');
  if (code !== undefined) expect(body['code']).toBe(code);
}

let trust: ReturnType<typeof certsDevTrust> | undefined;

/** Runs a signed PDF through the verifier with the certs-dev trust; expects 'valid'. */
export async function expectValidPdf(pdf: Uint8Array, expectedPayloadHash?: string): Promise<PdfVerificationReport> {
  trust ??= certsDevTrust();
  const report = await verifyPdf(pdf, {
    trust,
    now: new Date(),
    ...(expectedPayloadHash ? { expectedPayloadHash } : {}),
  });
  if (report.verdict !== 'valid') {
    const bad = report.findings.filter((f) => f.status !== 'valid' && f.status !== 'skipped');
    throw new Error(`PDF verdict ${report.verdict}: ${JSON.stringify(bad)}`);
  }
  return report;
}

/**
 * Each event's signature is a JWS that verifies, its body matches the listed event, `seq` counts up
 * from 1 and `prev` is the SHA-256 of the envelope before it.
 */
export function expectChain(document: DocumentBody): void {
  let prev: string | null = null;
  document.events.forEach((event, i) => {
    const { body } = openEvent(event.signature);
    expect(body.seq).toBe(i + 1);
    expect(event.seq).toBe(i + 1);
    expect(body.prev).toBe(prev);
    expect(body.type).toBe(event.type);
    expect(body.actor.partyId).toBe(event.actor);
    expect(body.documentId).toBe(document.id);
    expect(body.payloadHash).toBe(document.payloadHash);
    expect(event.hash).toBe(sha256Hex(event.signature));
    prev = sha256Hex(event.signature);
  });
  expect(document.sequence).toBe(document.events.length);
}

/** Counts signature dictionaries by their /ByteRange entries. */
export function byteRangeCount(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString('latin1').match(/\/ByteRange\s*\[/g)?.length ?? 0;
}

/**
 * The real app for one test file: started before its tests (handed over through `set`, which may
 * also create the file's fixtures), checked for unexpected 500s and closed after them.
 */
export function useExchange(
  set: (app: TestApp, client: Client) => void | Promise<void>,
  options?: Parameters<typeof startTestApp>[0],
  timeoutMs?: number,
): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(options);
    await set(app, new Client(app));
  }, timeoutMs);
  afterAll(async () => {
    if (!app) return;
    expect(app.unexpected).toEqual([]);
    await app.close();
  });
}
