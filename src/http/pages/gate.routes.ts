import { createHash } from 'node:crypto';
import express, { Router, type Request } from 'express';
import multer from 'multer';
import { actionInput } from '../../application/action-input';
import { documentFacts } from '../../application/document-facts';
import type { DocumentService } from '../../application/document-service';
import type { GatePasses } from '../../application/gate-passes';
import type { PageReads } from '../../application/page-reads';
import type { EirPayload } from '../../domain/eir/eir.schema';
import { SdxError } from '../../domain/shared/errors';
import { sendProblem } from '../problem';
import { MAX_UPLOAD_BYTES, sniffMediaType } from '../uploads';
import { toValidationIssues } from '../../domain/shared/schema';
import { fieldIssue, type FieldIssue } from './desk/desk-fields';
import { gateRecordView, gateView, MAX_DAMAGE_LINES, passView, type GateRecordForm, type TrustedKeys } from './gate.view';
import { t } from './i18n';
import { messageView } from './login.view';
import { callerOf, send, text } from './page-kit';
import { contextOf, maybeUserOf, userOf, type PageGuards } from './session';

export interface GateDependencies {
  documents: DocumentService;
  passes: GatePasses;
  reads: PageReads;
  clock: () => Date;
}

const MAX_PHOTOS = 6;
const facilityRoles = ['terminal', 'depot'] as const;

/** The terminal's and depot's gate: scan a pass, record a move with photos, release; and the pass itself. */
export function gateRoutes(deps: GateDependencies, guards: PageGuards): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  const { requireUser, requireFormToken, sameOrigin } = guards;
  /** The published keys, stamped with the server's time so a gate keeps the newest set it saw. */
  const trustedKeys = (): TrustedKeys => {
    const now = deps.clock();
    return { ...deps.passes.trustList(now), at: now.getTime() };
  };

  router.get('/gate', requireUser(facilityRoles), (req, res) => {
    const ctx = contextOf(req);
    const recorded = text(req.query['recorded'], 50);
    const released = text(req.query['released'], 50);
    const notice = recorded ? t(ctx.lang, 'recorded', { number: recorded }) : released ? `${released} ✓` : undefined;
    send(res, gateView(ctx, trustedKeys(), notice));
  });

  async function eirFor(req: Request): Promise<{ id: string; eir: EirPayload }> {
    const view = await deps.documents.get(callerOf(userOf(req)), String(req.params['id']));
    if (view.state.kind !== 'eir') throw new SdxError('not-found', 'gate moves are recorded on EIRs');
    return { id: view.state.id, eir: view.payload as EirPayload };
  }

  router.get('/gate/record/:id', requireUser(facilityRoles), async (req, res) => {
    const { id, eir } = await eirFor(req);
    send(res, gateRecordView(contextOf(req), id, eir));
  });

  const photoUpload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_PHOTOS, fields: 300, fieldSize: 4096 },
  }).array('photos', MAX_PHOTOS);

  router.post(
    '/gate/record/:id',
    sameOrigin,
    requireUser(facilityRoles),
    (req, res, next) => {
      photoUpload(req, res, (error: unknown) => {
        if (!error) {
          next();
          return;
        }
        const ctx = contextOf(req);
        const reason = error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE' ? `≤ ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` : String((error as Error).message);
        send(res, messageView(ctx, t(ctx.lang, 'recordTitle'), `${t(ctx.lang, 'photos')}: ${reason}`), 413);
      });
    },
    requireFormToken,
    async (req, res) => {
      const { id, eir } = await eirFor(req);
      const form = gateRecordFormOf(req.body);
      const photos = (Array.isArray(req.files) ? req.files : []).filter((f) => f.size > 0);
      const ctx = contextOf(req);
      const photoIssue = (message: string): FieldIssue[] => [{ path: 'photoSha256', message }];
      const bad = photos.find((f) => sniffMediaType(f.buffer) !== 'image/jpeg' && sniffMediaType(f.buffer) !== 'image/png');
      if (bad) {
        send(res, gateRecordView(ctx, id, eir, { form, issues: photoIssue(t(ctx.lang, 'photosJpegPng')) }), 415);
        return;
      }
      const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
      const sealNumbers = form.seals.split(/[,，\s]+/).filter(Boolean);
      const input = actionInput.safeParse({
        type: 'gate-record',
        gateRecord: {
          passedAt: deps.clock().toISOString(),
          condition: form.condition,
          damages: form.damages.map(({ repair, ...line }) => ({ ...line, ...(repair ? { repair } : {}) })),
          seals: sealNumbers.map((number) => ({ number, type: eir.seals.find((s) => s.number === number)?.type ?? 'terminal' })),
          photoSha256: photos.map((f) => sha256(f.buffer)),
          ...(form.remarks ? { remarks: form.remarks } : {}),
        },
      });
      if (!input.success) {
        // Named by the form's own paths (damages[0].component, seals, remarks) in the page's words.
        const issues = toValidationIssues(input.error).map((issue) => fieldIssue(ctx.lang, issue, issue.path.replace(/^gateRecord\.?/, '')));
        send(res, gateRecordView(ctx, id, eir, { form, issues }), 422);
        return;
      }
      // Checked before anything is stored: a refused record leaves no photos behind.
      try {
        for (const photo of photos) await deps.documents.attach(callerOf(userOf(req)), id, new Uint8Array(photo.buffer), sniffMediaType(photo.buffer) ?? 'image/jpeg');
      } catch (error) {
        if (!(error instanceof SdxError && error.code === 'upload-quota')) throw error;
        send(res, gateRecordView(ctx, id, eir, { form, issues: photoIssue(t(ctx.lang, 'uploadQuota')) }), 413);
        return;
      }
      await deps.documents.act(callerOf(userOf(req)), id, input.data);
      res.redirect(303, `/gate?recorded=${encodeURIComponent(eir.eirNumber)}`);
    },
  );

  // What the clerk's verdict shows beside the pass's own claims: business number, direction, seals,
  // haulier, facility. Read with the clerk's session, so only a party taking part learns them.
  router.get('/gate/facts/:token', requireUser(facilityRoles), async (req, res) => {
    const facts = await deps.reads.gateFacts(callerOf(userOf(req)), String(req.params['token']));
    if (!facts) {
      sendProblem(res, { status: 400, code: 'pass-invalid', detail: 'the pass does not verify' });
      return;
    }
    res.set('Cache-Control', 'no-store').json(facts);
  });

  router.post('/gate/release/:id', sameOrigin, form, requireUser(facilityRoles), requireFormToken, async (req, res) => {
    const view = await deps.documents.act(callerOf(userOf(req)), String(req.params['id']), { type: 'release' });
    res.redirect(303, `/gate?released=${encodeURIComponent(documentFacts(view).number)}`);
  });

  // ---- The pass a phone shows: its public keys, the page a scanner opens, and its live status.

  router.get('/pass-keys.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.passes.trustList(deps.clock()));
  });

  router.get('/v/:token', (req, res) => {
    send(res, passView(contextOf(req), trustedKeys(), String(req.params['token'])));
  });

  // The server's verdict, by its clock; refusals are problems with a pass-* code (any 4xx is red at the gate).
  router.get('/v/:token/status', async (req, res) => {
    const user = maybeUserOf(req);
    const gateParty = user?.roles.some((role) => (facilityRoles as readonly string[]).includes(role)) ? user.partyId : undefined;
    const status = await deps.reads.passStatus(String(req.params['token']), gateParty);
    res.set('Cache-Control', 'no-store').json(status);
  });

  return router;
}

/**
 * The gate record form as posted (multer reads `damages[0][component]` as nested objects): the
 * fields trimmed to their limits, blank damage lines dropped, ready to be drawn back if refused.
 */
function gateRecordFormOf(raw: unknown): GateRecordForm {
  const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const damages = (Array.isArray(body['damages']) ? (body['damages'] as unknown[]) : [])
    .slice(0, MAX_DAMAGE_LINES)
    .filter((line): line is Record<string, unknown> => typeof line === 'object' && line !== null)
    .map((line) => ({ component: text(line['component'], 50), location: text(line['location'], 50), damage: text(line['damage'], 50), repair: text(line['repair'], 50) }))
    .filter((line) => line.component || line.location || line.damage || line.repair);
  return {
    condition: body['condition'] === 'damaged' ? 'damaged' : 'sound',
    damages,
    seals: text(body['seals'], 200),
    remarks: text(body['remarks'], 2000),
  };
}
