// The genuine documents the forgery tests start from: the demo files (as `sdx demo` writes them)
// and documents issued through the API of a test app, each kind with only its first signature
// (what an attacker receives) and, where the lifecycle has one, after its countersignature.
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import { makeDemoDocuments } from '../../src/application/demo-documents';
import { parseDemoParties } from '../../src/application/demo-parties';
import { documentKinds, type DocumentKind } from '../../src/domain/document/document';
import { openPdfToolkit } from '../../src/main';
import { Client, P, gateRecordExample, payloadOf, type PartyName } from '../http/exchange-client';
import { certsDevPath } from './certs-dev';
import { repoRoot } from './examples';
import { revisionBytes } from './pdf-forgery-kit';
import { settingsOrThrow } from '../../src/settings';

export interface GenuineDocument {
  origin: 'demo' | 'api';
  kind: DocumentKind;
  /** The ledger id (API) or the demo id. */
  id: string;
  /** The PDF right after its first signature: what the issuer hands out. */
  firstSigned: Uint8Array;
  /** After the lifecycle's countersignature (EIR, guarantee), if any. */
  complete?: Uint8Array;
  /** The payload the document was issued with (to re-render it changed). */
  payload: Record<string, unknown>;
  issuer: PartyName;
  /** Who countersigns in the lifecycle: the EIR's haulier, the guarantee's carrier agent. */
  countersigner?: PartyName;
}

/** Who issues and countersigns each kind's example payload. */
export const cast: Record<DocumentKind, { issuer: PartyName; countersigner?: PartyName }> = {
  'delivery-order': { issuer: P.agentSha },
  eir: { issuer: P.terminal, countersigner: P.haulierA },
  'telex-release-guarantee': { issuer: P.shipper, countersigner: P.agentPus },
};

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The three demo documents, made in-process exactly as `sdx demo --out DIR` makes them. */
export async function demoDocuments(): Promise<GenuineDocument[]> {
  const templatesDir = join(repoRoot, 'templates');
  const toolkit = await openPdfToolkit({ templatesDir, certsDir: certsDevPath('.') }, settingsOrThrow(), () => new Date());
  const examples = {} as Record<DocumentKind, Record<string, unknown>>;
  for (const kind of documentKinds) examples[kind] = json(join(templatesDir, 'examples', `${kind}.json`));
  const demo = parseDemoParties(json(certsDevPath('demo-parties.json')));
  const made = await makeDemoDocuments(
    {
      examples,
      eirGateRecord: json(join(templatesDir, 'examples', 'eir-gate-record.json')),
      parties: demo.parties.map((p) => p.party),
      at: new Date(),
      verifyUrl: (id) => `http://127.0.0.1:8080/verify/${id}`,
    },
    toolkit.pdfs,
  );
  return made.map(({ kind, id, pdf }) => ({
    origin: 'demo',
    kind,
    id,
    // Revision 0 is the render, revision 1 the issuer's signature.
    firstSigned: new Uint8Array(revisionBytes(pdf, 1)),
    ...(cast[kind].countersigner ? { complete: pdf } : {}),
    payload: examples[kind],
    ...cast[kind],
  }));
}

/**
 * One document of each kind issued through the API: a D/O; an EIR issued and gate-recorded (its
 * signed re-render is the first signature), then countersigned by the haulier; a guarantee
 * submitted, then accepted by the carrier's agent. `complete` comes from a second document of the
 * same kind taken through its lifecycle, so `firstSigned` stays the ledger's current revision.
 */
export async function apiDocuments(c: Client): Promise<GenuineDocument[]> {
  const out: GenuineDocument[] = [];
  for (const kind of documentKinds) {
    const { issuer, countersigner } = cast[kind];
    const payload = payloadOf(kind);
    const issued = await c.issued(issuer, kind, payload);
    if (kind === 'eir') await c.acted(issuer, issued.id, { type: 'gate-record', gateRecord: gateRecordExample() });
    const firstSigned = new Uint8Array(await c.pdf(issuer, issued.id));
    let complete: Uint8Array | undefined;
    if (countersigner) {
      const second = await c.issued(issuer, kind, payloadOf(kind));
      if (kind === 'eir') await c.acted(issuer, second.id, { type: 'gate-record', gateRecord: gateRecordExample() });
      await c.acted(countersigner, second.id, { type: kind === 'eir' ? 'countersign' : 'accept' });
      complete = new Uint8Array(await c.pdf(issuer, second.id));
    }
    out.push({ origin: 'api', kind, id: issued.id, firstSigned, ...(complete ? { complete } : {}), payload, issuer, ...(countersigner ? { countersigner } : {}) });
  }
  return out;
}

/** A PDF uploaded to the app's POST /verify, as the verify page posts it; its report (the answer must be 200). */
export async function verifiedByUpload(app: Express, pdf: Uint8Array, filename = 'document.pdf'): Promise<PdfVerificationReport> {
  const res = await request(app).post('/verify').attach('file', Buffer.from(pdf), { filename, contentType: 'application/pdf' });
  if (res.status !== 200) throw new Error(`POST /verify answered ${res.status}: ${res.text}`);
  return res.body as PdfVerificationReport;
}

/** The genuine document of a kind a suite set up, or a clear failure when it did not. */
export function genuineOf(documents: ReadonlyMap<DocumentKind, GenuineDocument>, kind: DocumentKind): GenuineDocument {
  const doc = documents.get(kind);
  if (!doc) throw new Error(`no issued ${kind}`);
  return doc;
}
