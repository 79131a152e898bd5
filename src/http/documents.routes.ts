import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { DocumentService, DocumentView } from '../application/document-service';
import { storedEventBody } from '../application/events/signed-event';
import { documentKinds } from '../domain/document/document';
import { ValidationError } from '../domain/shared/errors';
import { parseWith } from '../domain/shared/schema';
import { callerOf } from './auth';
import { JSON_MEDIA_TYPES } from './json-body';
import { sendProblem } from './problem';
import { singleUpload, sniffMediaType } from './uploads';

const participantRoles = [
  'issuer', 'carrier', 'carrier-agent', 'consignee', 'pickup-terminal', 'facility-operator', 'haulier',
  'shipper', 'forwarder', 'destination-agent', 'transferee', 'presentee',
] as const;

/** Exported so the OpenAPI document derives its query parameters from it. */
const searchText = (description: string) => z.string().max(200).optional().describe(description);
export const listQuery = z.strictObject({
  kind: z.enum(documentKinds).optional(),
  status: searchText('One status, or several separated by commas (`issued,transferred`).'),
  role: z.enum(participantRoles).optional().describe('Only documents where the caller\'s party takes this role.'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page.'),
  q: searchText('Any business number or name: D/O, B/L, container, EIR, truck plate, consignee, guarantee. Case, spaces and separators are ignored; B/L and container numbers also match by their start.'),
  bl: searchText('Bill of lading number, or its start.'),
  container: searchText('ISO 6346 container number, or its start.'),
  number: searchText('The document\'s own number: D/O, EIR or guarantee number (exact).'),
  plate: searchText('Truck plate on an EIR (exact).'),
  consignee: searchText('Consignee name, in Chinese or English (exact, case and spaces ignored).'),
  from: searchText('Issued on or after: a Beijing date (2026-12-03) or an ISO 8601 time with offset.'),
  to: searchText('Issued on or before: a Beijing date (the whole day) or an ISO 8601 time with offset.'),
  holder: searchText('`me`: only documents the caller\'s party holds now.'),
});

const issueBody = z.strictObject({ kind: z.string(), payload: z.unknown() });

function parse<T>(schema: z.ZodType<T>, input: unknown, prefix?: string): T {
  const result = parseWith(schema, input);
  if (!result.ok) {
    throw new ValidationError(prefix ? result.issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix })) : result.issues);
  }
  return result.value;
}

/** `If-Match: "3"` → 3; a weak or malformed tag never matches. */
function expectedSeqOf(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^"(\d+)"$/.exec(header.trim());
  return match?.[1] ? Number(match[1]) : -1;
}

/** A form, multipart or text body on a JSON route would otherwise read as an empty one. */
const jsonOnly: RequestHandler = (req, res, next) => {
  if (req.is(JSON_MEDIA_TYPES) === false) {
    sendProblem(res, { status: 415, code: 'unsupported-content-type', detail: 'send the body as application/json' });
    return;
  }
  next();
};

function present(view: DocumentView, base: string) {
  const { state } = view;
  return {
    id: state.id,
    kind: state.kind,
    version: state.version,
    status: state.status,
    issuer: state.issuer,
    holder: state.holder,
    presentedTo: state.presentedTo,
    payloadHash: state.payloadHash,
    supersedes: state.supersedes,
    supersededBy: state.supersededBy,
    sequence: view.seq,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    payload: view.payload,
    pdfSha256: view.pdfSha256,
    events: view.events.map((event) => ({
      seq: event.seq,
      type: event.type,
      actor: event.actor,
      at: event.recordedAt,
      hash: event.hash,
      logIndex: event.logIndex,
      // Checked when it was committed and by the audit; the client gets the envelope to check it again.
      data: storedEventBody(event.envelope).data ?? {},
      signature: event.envelope,
    })),
    links: { self: `${base}/documents/${state.id}`, pdf: `${base}/documents/${state.id}/pdf`, verify: `/verify/${state.id}` },
  };
}

function send(res: Response, view: DocumentView, base: string, status = 200): void {
  res.status(status).set('ETag', `"${view.seq}"`).json(present(view, base));
}

export function documentsRouter(documents: DocumentService, base = '/api/v1'): Router {
  const router = Router();

  router.post('/documents', jsonOnly, async (req, res) => {
    const body = parse(issueBody, req.body ?? {});
    const key = req.get('idempotency-key');
    if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new ValidationError([{ path: 'Idempotency-Key', code: 'invalid-idempotency-key', message: 'use 1-200 visible ASCII characters' }]);
    }
    const view = await documents.issue(callerOf(req), body, key);
    res.location(`${base}/documents/${view.state.id}`);
    // Stripe's name for it: lets a bulk client count what a rerun found already issued.
    if (view.replayed) res.set('Idempotent-Replayed', 'true');
    send(res, view, base, 201);
  });

  router.get('/documents', async (req, res) => {
    const { limit, cursor, role, ...terms } = parse(listQuery, req.query);
    const page = await documents.search(callerOf(req), terms, { limit, after: cursor, within: role === undefined ? undefined : { role } }).catch((error: unknown) => {
      // The store calls the cursor `after`; the client sent it as `cursor`.
      if (error instanceof ValidationError) {
        throw new ValidationError(error.issues.map((i) => (i.path === 'after' ? { ...i, path: 'cursor' } : i)));
      }
      throw error;
    });
    res.json({
      items: page.items.map((d) => ({
        id: d.state.id, kind: d.state.kind, status: d.state.status, issuer: d.state.issuer, holder: d.state.holder,
        payloadHash: d.state.payloadHash, sequence: d.seq, createdAt: d.createdAt, updatedAt: d.updatedAt,
      })),
      nextCursor: page.nextCursor,
      total: page.total.count,
      totalCapped: page.total.capped,
    });
  });

  router.get('/documents/:id', async (req, res) => {
    send(res, await documents.get(callerOf(req), req.params.id), base);
  });

  router.get('/documents/:id/pdf', async (req, res) => {
    const pdf = await documents.currentPdf(callerOf(req), req.params.id);
    res.type('application/pdf').set('Content-Disposition', `inline; filename="${req.params.id}.pdf"`).send(Buffer.from(pdf));
  });

  router.post('/documents/:id/events', jsonOnly, async (req, res) => {
    const view = await documents.act(callerOf(req), String(req.params['id']), req.body ?? {}, expectedSeqOf(req));
    send(res, view, base);
  });

  router.post('/documents/:id/attachments', singleUpload(), async (req, res) => {
    const file = req.file;
    if (!file) return;
    const mediaType = sniffMediaType(file.buffer);
    if (!mediaType) {
      sendProblem(res, { status: 415, code: 'unsupported-media-type', detail: 'attach a JPEG or PNG photo or a PDF' });
      return;
    }
    const stored = await documents.attach(callerOf(req), String(req.params['id']), new Uint8Array(file.buffer), mediaType);
    res.status(201).json(stored);
  });

  return router;
}
