import { createHash } from 'node:crypto';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import QRCode from 'qrcode';
import { actionInput } from '../../application/action-input';
import type { CertificateCheck } from '../../application/audit/audit-trail';
import { auditDocumentEvents } from '../../application/audit/document-audit';
import type { LogService } from '../../application/audit/log-service';
import { openTreeHead } from '../../application/audit/tree-head';
import { documentFacts } from '../../application/document-facts';
import type { Caller, DocumentService } from '../../application/document-service';
import { liveStatusFor, type GatePasses } from '../../application/gate-passes';
import { verifyAgainstDecoy, verifyPassword } from '../../application/passwords';
import type { SessionKind } from '../../application/ports/session-store.port';
import type { Store } from '../../application/ports/store.port';
import { kindTitle } from '../../domain/document/document-kinds';
import type { EirPayload } from '../../domain/eir/eir.schema';
import { SdxError } from '../../domain/shared/errors';
import { eventStream, type StreamOptions } from '../event-stream';
import { detailFor, sendProblem, statusFor } from '../problem';
import { MAX_UPLOAD_BYTES, sniffMediaType } from '../uploads';
import type { PdfVerifier } from '../verify.routes';
import { auditView } from './audit.view';
import { DESK_OPERATIONS, deskRouter } from './desk/desk.router';
import { gateRecordView, gateView, passView } from './gate.view';
import type { Html } from './html';
import { LANG_COOKIE, languageOf, t, type Lang } from './i18n';
import type { PageContext, PageUser } from './layout';
import { loginView, messageView } from './login.view';
import type { LoginThrottle } from './login-throttle';
import { clearLoginCookie, clearSessionCookie, cookieValue, LOGIN_COOKIE, SESSION_COOKIE, sameToken, setLoginCookie, setSessionCookie, type WebSessions } from './session';
import { publicStatusView, verifyView } from './verify.view';
import { walletDocumentView, walletView, type WalletItem } from './wallet.view';

export interface PageDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  passes: GatePasses;
  sessions: WebSessions;
  throttle: LoginThrottle;
  verifyPdf: PdfVerifier;
  /** Trust in event signers and the log key, for the auditor's view. */
  checkCertificate: CertificateCheck;
  stream: StreamOptions;
  /** Compiled browser scripts (dist/web) and the static assets (templates/pages). */
  webDir: string;
  assetsDir: string;
  publicUrl: string;
  clock: () => Date;
}

/** Page routes: HTML for people, not part of the JSON API (the OpenAPI document leaves them out). */
export const PAGE_OPERATIONS = [
  'GET /',
  'GET /lang',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /m/',
  'GET /m/stream',
  'GET /m/d/{id}',
  'GET /gate',
  'GET /gate/record/{id}',
  'POST /gate/record/{id}',
  'POST /gate/release/{id}',
  'GET /verify',
  'POST /verify/report',
  'GET /v/{token}',
  'GET /audit',
  'GET /sw.js',
  ...DESK_OPERATIONS,
] as const;

const WALLET_LIMIT = 200;
const MAX_PHOTOS = 6;

const users = new WeakMap<Request, PageUser>();

function userOf(req: Request): PageUser {
  const user = users.get(req);
  if (!user) throw new Error('userOf used on a page without requireUser');
  return user;
}

const callerOf = (user: PageUser): Caller => ({ partyId: user.partyId, userId: user.userId });

function contextOf(req: Request): PageContext {
  const user = users.get(req);
  return { lang: languageOf(req), path: req.originalUrl, ...(user ? { user } : {}) };
}

function send(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body.text);
}

/** Only same-site paths; never `//host` or a scheme, so a link cannot bounce a user elsewhere. */
function safeLocalPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 500 ? value : undefined;
}

function homeFor(roles: readonly string[]): string {
  if (roles.includes('auditor')) return '/audit';
  if (roles.includes('terminal') || roles.includes('depot')) return '/gate';
  if (roles.some((role) => role === 'carrier-agent' || role === 'carrier' || role === 'shipper')) return '/desk';
  return '/m/';
}

/**
 * Phone sessions (the longer idle timeout) for users whose home is the wallet; desk sessions for
 * everyone else, gate clerks included (a gate screen is shared and stays in one place).
 */
export function sessionKindFor(roles: readonly string[]): SessionKind {
  return homeFor(roles) === '/m/' ? 'phone' : 'desk';
}

/** The origin (scheme://host[:port]) of a URL header value, or undefined when it is not one. */
function originOf(value: string | undefined): URL | undefined {
  if (!value || value === 'null') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

export function pagesRouter(deps: PageDependencies): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  const secureCookies = deps.publicUrl.startsWith('https:');
  const publicOrigin = originOf(deps.publicUrl)?.origin;

  async function sessionUser(req: Request): Promise<PageUser | undefined> {
    const opened = await deps.sessions.open(cookieValue(req, SESSION_COOKIE));
    if (!opened) return undefined;
    const user = await deps.store.getUser(opened.userId);
    if (!user) return undefined;
    const party = await deps.store.getParty(user.partyId);
    if (!party) return undefined;
    return {
      userId: user.id,
      userName: user.name,
      partyId: party.id,
      partyName: { en: party.name.en, zh: party.name.zh ?? party.name.en },
      roles: party.roles,
      csrfToken: opened.csrfToken,
      sessionKey: opened.key,
    };
  }

  /** Loads the session when there is one; pages that need none still show who is signed in. */
  const withSession: RequestHandler = async (req, _res, next) => {
    if (req.path.startsWith('/api/')) {
      next();
      return;
    }
    const user = await sessionUser(req);
    if (user) users.set(req, user);
    next();
  };

  const requireUser =
    (roles?: readonly string[]): RequestHandler =>
    (req, res, next) => {
      const user = users.get(req);
      if (!user) {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      if (roles && !roles.some((role) => user.roles.includes(role))) {
        const ctx = contextOf(req);
        send(res, messageView(ctx, t(ctx.lang, 'notAllowed'), t(ctx.lang, 'notAllowed')), 403);
        return;
      }
      next();
    };

  /** SameSite=Strict keeps other sites' forms from carrying the cookie; the token is the second lock. */
  const requireFormToken: RequestHandler = (req, res, next) => {
    const body: unknown = req.body;
    const given = typeof body === 'object' && body !== null && 'csrf' in body ? body.csrf : undefined;
    if (!sameToken(userOf(req).csrfToken, given)) {
      const ctx = contextOf(req);
      send(res, messageView(ctx, t(ctx.lang, 'formExpired'), t(ctx.lang, 'formExpired')), 403);
      return;
    }
    next();
  };

  /** This service's own origin: the one in SDX_PUBLIC_URL, or the host the request was sent to. */
  const isOwnOrigin = (url: URL | undefined, req: Request): boolean =>
    url !== undefined && (url.origin === publicOrigin || url.host === req.get('host'));

  /** Signed-in forms: a foreign Origin is refused (the session cookie and the form token do the rest). */
  const sameOrigin: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origin !== 'null' && !isOwnOrigin(originOf(origin), req)) {
      sendProblem(res, { status: 403, code: 'cross-origin-form', detail: 'forms are accepted from this site only' });
      return;
    }
    next();
  };

  /**
   * Sign-in, where no session cookie protects the form: the request must prove it comes from this
   * site, by its Origin, or (a browser that sends none) its Referer. `Origin: null` (a sandboxed
   * frame, a privacy redirect) and neither header are refused, so another site cannot sign a
   * victim in as someone else (login CSRF).
   */
  const signInFromThisSite: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    const proven = origin !== undefined ? isOwnOrigin(originOf(origin), req) : isOwnOrigin(originOf(req.get('referer')), req);
    if (proven) {
      next();
      return;
    }
    if (req.accepts(['json', 'html']) === 'html') {
      const ctx = contextOf(req);
      sendLogin(req, res, { error: t(ctx.lang, 'crossSiteSignIn'), code: 'cross-site-request' }, 403);
      return;
    }
    sendProblem(res, { status: 403, code: 'cross-site-request', detail: 'sign-in is accepted only from this site’s own sign-in page (same-origin Origin or Referer)' });
  };

  /**
   * The sign-in page, with a form token bound to the pre-session cookie set here. Its Referrer-Policy
   * is `same-origin`: under the site-wide `no-referrer` a browser sends `Origin: null` even for this
   * site's own form, which the sign-in check must refuse.
   */
  function sendLogin(req: Request, res: Response, form: { userId?: string; next?: string; error?: string; code?: string }, status = 200): void {
    const challenge = deps.sessions.loginChallenge(cookieValue(req, LOGIN_COOKIE));
    setLoginCookie(res, challenge.cookie, secureCookies);
    res.set('Referrer-Policy', 'same-origin');
    send(res, loginView(contextOf(req), { ...form, token: challenge.token }), status);
  }

  router.use('/static', express.static(deps.assetsDir, { index: false, maxAge: '1h' }));
  router.use('/static', express.static(deps.webDir, { index: false, maxAge: '1h' }));
  router.get('/sw.js', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(join(deps.webDir, 'web', 'sw.js'));
  });

  router.use(withSession);

  router.get('/', (req, res) => {
    const user = users.get(req);
    res.redirect(303, user ? homeFor(user.roles) : '/login');
  });

  router.get('/lang', (req, res) => {
    const to = req.query['to'] === 'en' ? 'en' : 'zh-CN';
    res.cookie(LANG_COOKIE, to, { sameSite: 'lax', path: '/', maxAge: 365 * 24 * 3600 * 1000 });
    res.redirect(303, safeLocalPath(req.query['back']) ?? '/');
  });

  router.get('/login', (req, res) => {
    sendLogin(req, res, { next: safeLocalPath(req.query['next']) ?? '' });
  });

  router.post('/login', signInFromThisSite, form, async (req, res) => {
    const ctx = contextOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = text(body['userId'], 100);
    const password = typeof body['password'] === 'string' ? body['password'] : '';
    const next = safeLocalPath(body['next']);
    if (!deps.sessions.loginTokenMatches(cookieValue(req, LOGIN_COOKIE), body['loginToken'])) {
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'signInExpired'), code: 'sign-in-form-expired' }, 403);
      return;
    }
    const address = req.ip ?? 'unknown';
    const now = deps.clock();
    const wait = deps.throttle.retryAfter(userId, address, now.getTime());
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'tooManyAttempts', { minutes: Math.ceil(wait / 60) }), code: 'sign-in-locked' }, 429);
      return;
    }
    const user = userId ? await deps.store.getUser(userId) : undefined;
    const matches = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
    if (!user || !matches) {
      deps.throttle.recordFailure(userId, address, now.getTime());
      sendLogin(req, res, { userId, next: next ?? '', error: t(ctx.lang, 'wrongPassword'), code: 'wrong-password' }, 401);
      return;
    }
    deps.throttle.recordSuccess(userId, address);
    const party = await deps.store.getParty(user.partyId);
    const roles = party?.roles ?? [];
    // A session from before this sign-in (another user on a shared screen) ends here.
    await deps.sessions.end(cookieValue(req, SESSION_COOKIE));
    setSessionCookie(res, await deps.sessions.start(user.id, sessionKindFor(roles)), secureCookies);
    clearLoginCookie(res, secureCookies);
    res.redirect(303, next && next !== '/login' ? next : homeFor(roles));
  });

  router.post('/logout', sameOrigin, form, requireUser(), requireFormToken, async (req, res) => {
    await deps.sessions.end(cookieValue(req, SESSION_COOKIE));
    clearSessionCookie(res, secureCookies);
    // The wallet keeps documents for offline use; signing out must not leave them on the phone.
    res.set('Clear-Site-Data', '"cache", "storage"');
    res.redirect(303, '/login');
  });

  // Without strict routing this serves /m as well as /m/.
  router.get('/m/', requireUser(), async (req, res) => {
    const user = userOf(req);
    const held: WalletItem[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10 && held.length < WALLET_LIMIT; page += 1) {
      const { items, nextCursor } = await deps.documents.list(callerOf(user), { limit: 100, ...(after ? { after } : {}) });
      for (const stored of items) {
        if (stored.state.holder === user.partyId) held.push({ state: stored.state, facts: documentFacts(stored), updatedAt: stored.updatedAt });
      }
      if (!nextCursor) break;
      after = nextCursor;
    }
    held.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    send(res, walletView(contextOf(req), held.slice(0, WALLET_LIMIT)));
  });

  // The wallet and the gate listen here to update without a reload (same events as /api/v1/stream).
  router.get(
    '/m/stream',
    requireUser(),
    eventStream({ log: deps.log, store: deps.store }, async (req) => ({ partyId: userOf(req).partyId, roles: userOf(req).roles, holder: `session:${userOf(req).sessionKey}` }), deps.stream),
  );

  router.get('/m/d/:id', requireUser(), async (req, res) => {
    const user = userOf(req);
    const view = await deps.documents.get(callerOf(user), String(req.params['id']));
    const item: WalletItem = { state: view.state, facts: documentFacts(view), updatedAt: view.updatedAt };
    let pass: { url: string; svg: string; expires: number } | undefined;
    if (view.state.holder === user.partyId) {
      const claims = deps.passes.claimsFor(view, deps.clock());
      const url = `${deps.publicUrl}/v/${deps.passes.sign(claims)}`;
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      pass = { url, svg, expires: claims.exp };
    }
    send(res, walletDocumentView(contextOf(req), item, pass));
  });

  const facilityRoles = ['terminal', 'depot'] as const;

  router.get('/gate', requireUser(facilityRoles), (req, res) => {
    const ctx = contextOf(req);
    const recorded = text(req.query['recorded'], 50);
    const released = text(req.query['released'], 50);
    const notice = recorded ? t(ctx.lang, 'recorded', { number: recorded }) : released ? `${released} ✓` : undefined;
    send(res, gateView(ctx, deps.passes.trustList(), notice));
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
      const body = req.body as Record<string, unknown>;
      const photos = (Array.isArray(req.files) ? req.files : []).filter((f) => f.size > 0);
      const ctx = contextOf(req);
      const bad = photos.find((f) => sniffMediaType(f.buffer) !== 'image/jpeg' && sniffMediaType(f.buffer) !== 'image/png');
      if (bad) {
        send(res, gateRecordView(ctx, id, eir, `${t(ctx.lang, 'photos')}: JPEG / PNG`), 415);
        return;
      }
      const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
      const damages = (Array.isArray(body['damages']) ? (body['damages'] as unknown[]) : [])
        .filter((line): line is Record<string, unknown> => typeof line === 'object' && line !== null)
        .map((line) => ({
          component: text(line['component'], 50),
          location: text(line['location'], 50),
          damage: text(line['damage'], 50),
          ...(text(line['repair'], 50) ? { repair: text(line['repair'], 50) } : {}),
        }))
        .filter((line) => line.component || line.location || line.damage);
      const sealNumbers = text(body['seals'], 200).split(/[,，\s]+/).filter(Boolean);
      const remarks = text(body['remarks'], 2000);
      const input = actionInput.safeParse({
        type: 'gate-record',
        gateRecord: {
          passedAt: deps.clock().toISOString(),
          condition: body['condition'] === 'damaged' ? 'damaged' : 'sound',
          damages,
          seals: sealNumbers.map((number) => ({ number, type: eir.seals.find((s) => s.number === number)?.type ?? 'terminal' })),
          photoSha256: photos.map((f) => sha256(f.buffer)),
          ...(remarks ? { remarks } : {}),
        },
      });
      if (!input.success) {
        const issue = input.error.issues[0];
        send(res, gateRecordView(ctx, id, eir, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`), 422);
        return;
      }
      // Checked before anything is stored: a refused record leaves no photos behind.
      try {
        for (const photo of photos) await deps.documents.attach(callerOf(userOf(req)), id, new Uint8Array(photo.buffer), sniffMediaType(photo.buffer) ?? 'image/jpeg');
      } catch (error) {
        if (!(error instanceof SdxError && error.code === 'upload-quota')) throw error;
        send(res, gateRecordView(ctx, id, eir, t(ctx.lang, 'uploadQuota')), 413);
        return;
      }
      await deps.documents.act(callerOf(userOf(req)), id, input.data);
      res.redirect(303, `/gate?recorded=${encodeURIComponent(eir.eirNumber)}`);
    },
  );

  router.post('/gate/release/:id', sameOrigin, form, requireUser(facilityRoles), requireFormToken, async (req, res) => {
    const view = await deps.documents.act(callerOf(userOf(req)), String(req.params['id']), { type: 'release' });
    res.redirect(303, `/gate?released=${encodeURIComponent(documentFacts(view).number)}`);
  });

  router.get('/verify', (req, res) => {
    send(res, verifyView(contextOf(req)));
  });

  const pdfUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 2 } }).single('file');
  router.post('/verify/report', (req, res) => {
    const ctx = contextOf(req);
    pdfUpload(req, res, (error: unknown) => {
      const file = req.file;
      if (error || !file) {
        send(res, verifyView(ctx, { error: error ? `${t(ctx.lang, 'verifyUpload')}: ≤ ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` : t(ctx.lang, 'noFile') }), error ? 413 : 422);
        return;
      }
      if (sniffMediaType(file.buffer) !== 'application/pdf') {
        send(res, verifyView(ctx, { error: t(ctx.lang, 'notPdf'), fileName: file.originalname }), 415);
        return;
      }
      deps.verifyPdf(new Uint8Array(file.buffer)).then(
        (report) => send(res, verifyView(ctx, { report, fileName: file.originalname })),
        (failure: unknown) => pageError(failure, req, res),
      );
    });
  });

  router.get('/verify/:id', async (req, res, next) => {
    if (req.accepts(['json', 'html']) !== 'html') {
      next();
      return;
    }
    const ctx = contextOf(req);
    const status = await deps.documents.publicStatus(String(req.params['id']));
    const head = await deps.log.currentTreeHead();
    const checks = await deps.log.checkIncluded(await deps.log.eventsOf(status.id), head);
    const title = kindTitle(status.kind);
    send(res, publicStatusView(ctx, { ...status, log: { treeSize: head.size, included: checks.every((c) => c.included) } }, ctx.lang === 'en' ? title.en : title.zh));
  });

  router.get('/pass-keys.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.passes.trustList());
  });

  router.get('/v/:token', (req, res) => {
    send(res, passView(contextOf(req), deps.passes.trustList(), String(req.params['token'])));
  });

  router.get('/v/:token/status', async (req, res) => {
    const opened = deps.passes.open(String(req.params['token']));
    if (opened.outcome !== 'valid' || !opened.claims) {
      sendProblem(res, {
        status: 400,
        code: 'pass-invalid',
        detail: opened.outcome === 'unknown-key' ? 'the pass is signed by a key this service does not publish' : 'the pass signature does not verify',
      });
      return;
    }
    const stored = await deps.store.getDocument(opened.claims.d);
    res.set('Cache-Control', 'no-store').json(liveStatusFor(opened.claims, stored));
  });

  router.get('/audit', requireUser(['auditor']), async (req, res) => {
    const head = await deps.log.currentTreeHead();
    let headProblem: string | undefined;
    try {
      const { certificate, chain } = openTreeHead(head);
      headProblem = await deps.checkCertificate(certificate, chain, new Date(head.timestamp), 'log');
    } catch (error) {
      headProblem = error instanceof Error ? error.message : 'the head does not verify';
    }
    const query = text(req.query['doc'], 100);
    const stored = query ? await deps.store.getDocument(query) : undefined;
    const document = stored
      ? {
          id: stored.state.id,
          kind: stored.state.kind,
          status: stored.state.status,
          events: await auditDocumentEvents(await deps.store.listEvents(stored.state.id), head, deps.log, deps.checkCertificate),
        }
      : undefined;
    send(res, auditView(contextOf(req), { head, headProblem, query, ...(document ? { document } : {}), notFound: query !== '' && !stored }));
  });

  router.use(deskRouter(deps, { requireUser, requireFormToken, sameOrigin, userOf, contextOf, send }));

  function pageError(error: unknown, req: Request, res: Response): void {
    const ctx = contextOf(req);
    if (error instanceof SdxError) {
      const status = statusFor(error);
      if (status < 500) {
        send(res, messageView(ctx, status === 404 ? t(ctx.lang, 'notFound') : t(ctx.lang, 'somethingWrong'), detailFor(error, status)), status);
        return;
      }
      send(res, messageView(ctx, t(ctx.lang, 'somethingWrong'), detailFor(error, status)), status);
      return;
    }
    throw error;
  }

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !req.accepts('html') || req.path.endsWith('/status')) {
      next(error);
      return;
    }
    try {
      pageError(error, req, res);
    } catch {
      next(error);
    }
  });

  return router;
}

export type { Lang };
