// Every route the app serves x every demo party x (a document it takes part in / one it does not /
// no credentials / a revoked key, or for pages no session), each cell checked against the status a
// small explicit rule table gives. The lifecycle rules of each action are authorization-matrix's.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { generateApiKey, hashApiKey } from '../../src/application/api-keys';
import { parseDemoParties } from '../../src/application/demo-parties';
import { GatePasses } from '../../src/application/gate-passes';
import type { DocumentKind } from '../../src/domain/document/document';
import { openApiDocument } from '../../src/http/openapi';
import { PAGE_OPERATIONS } from '../../src/http/pages/pages.router';
import { certsDevPath } from '../support/certs-dev';
import { hiddenValue, postLogin, TEST_ORIGIN } from '../support/page-forms';
import { servedOperations } from '../support/served-operations';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, allParties, expectStatus, gateRecordExample, payloadOf, photo, sha256Hex, type PartyName } from './exchange-client';

const demo = parseDemoParties(JSON.parse(readFileSync(certsDevPath('demo-parties.json'), 'utf8')));
const demoParty = (party: PartyName) => {
  const entry = demo.parties.find((p) => p.party.id === party);
  const user = entry?.users[0];
  if (!entry || !user) throw new Error(`demo-parties.json has no user for ${party}`);
  return { roles: entry.party.roles as readonly string[], user };
};

// ---- The documents, and who takes part in each (by the example payloads; written out, not asked).

type DocName = 'doA' | 'doB' | 'eirA' | 'eirB' | 'guarantee';
const documents: { name: DocName; kind: DocumentKind; participants: readonly PartyName[] }[] = [
  { name: 'doA', kind: 'delivery-order', participants: [P.agentSha, P.carrier, P.consignee, P.terminal] },
  // Passed on by the consignee: the forwarder joins.
  { name: 'doB', kind: 'delivery-order', participants: [P.agentSha, P.carrier, P.consignee, P.terminal, P.forwarder] },
  // Gate-recorded with a photo.
  { name: 'eirA', kind: 'eir', participants: [P.terminal, P.carrier, P.haulierA] },
  // The depot's EIR for haulier B; the container operator is named without a party id.
  { name: 'eirB', kind: 'eir', participants: [P.depot, P.haulierB] },
  { name: 'guarantee', kind: 'telex-release-guarantee', participants: [P.shipper, P.carrier, P.agentPus, P.agentSha] },
];

/** The first document (of `kind`, if given) the party takes part in, or does not. */
function documentFor(party: PartyName, takesPart: boolean, kind?: DocumentKind): DocName | undefined {
  return documents.find((d) => (!kind || d.kind === kind) && d.participants.includes(party) === takesPart)?.name;
}

// ---- The rules.

type Relation = 'own' | 'other' | 'no-credentials' | 'revoked-key';
/** A status, or one per party. */
type Expect = number | ((party: PartyName) => number);

interface CallContext {
  party: PartyName;
  /** `Authorization` (API) or `Cookie` (pages) value; none for no credentials. */
  credential?: string;
  docId: string;
  doc: DocName;
  passToken: string;
  /** The party's own webhook endpoint, or (relation `other`) another party's. */
  webhookId: string;
  /** A delivery to the party's own endpoint, when it has one. */
  deliveryId: string;
}

interface RouteRule {
  call: (ctx: CallContext) => request.Test;
  /** The same answer whoever asks, with or without credentials. */
  public?: number;
  /** For a valid credential: the answer on a document the party takes part in, and on one it does not. */
  own?: Expect;
  other?: Expect;
  /** Pages: who may open it at all; others get 403. */
  roles?: readonly string[];
  /** The kind of document `{id}` must name. */
  kind?: DocumentKind;
  /** What the body must show, beyond the status. */
  check?: (res: Response, ctx: CallContext, relation: Relation) => string | undefined;
  /** An event stream, which never ends: only its status is read. */
  stream?: true;
}

const sees = (party: PartyName) => party === P.auditor;
const readable: Pick<RouteRule, 'own' | 'other'> = { own: 200, other: (p) => (sees(p) ? 200 : 404) };
const everyone = (status: number): Pick<RouteRule, 'own' | 'other'> => ({ own: status, other: status });
/** Issuing the example D/O: the carrier and the agent it names may. */
const issuing = (p: PartyName) => (p === P.agentSha || p === P.carrier ? 201 : 403);

let t: TestApp;
let c: Client;
const ids = {} as Record<DocName, string>;
const logIndexOf = {} as Record<DocName, number>;
let logSize = 0;
let photoSha = '';
const apiKey = (party: PartyName) => `Bearer ${t.keys[party] ?? ''}`;
const revokedKeys = new Map<PartyName, string>();
const sessions = new Map<PartyName, string>();
/** A sign-in form as a browser got it: the pre-session cookie and the form's token bound to it. */
const loginForm = { cookie: '', token: '' };
const webhookOf = new Map<PartyName, string>();
const deliveryOf = new Map<PartyName, string>();
/** Another party, for "someone else's webhook". */
const neighbour = (party: PartyName): PartyName => allParties[(allParties.indexOf(party) + 1) % allParties.length] ?? party;
/** doA's participants get a delivery for the event recorded after every party registered its endpoint. */
const hasDelivery = (party: PartyName) => documents[0]?.participants.includes(party) ?? false;

const api = (method: 'get' | 'post' | 'put' | 'delete', path: string, ctx: CallContext): request.Test => {
  const req = request(t.app)[method](path);
  return ctx.credential ? req.set('Authorization', ctx.credential) : req;
};

const apiRules: Record<string, RouteRule> = {
  'GET /healthz': { public: 200, call: () => request(t.app).get('/healthz') },
  'GET /openapi.json': { public: 200, call: () => request(t.app).get('/openapi.json') },
  'GET /pass-keys.json': { public: 200, call: () => request(t.app).get('/pass-keys.json') },
  'GET /.well-known/jwks.json': { public: 200, call: () => request(t.app).get('/.well-known/jwks.json') },
  // Anyone signed in may ask whom a transfer would reach; with no peers configured, a local party.
  [`POST ${API}/receiver-validation`]: { ...everyone(200), call: (ctx) => api('post', `${API}/receiver-validation`, ctx).send({ to: 'demo-consignee' }) },
  // Peer platforms sign their requests with their platform key; an API key or a session is no such signature.
  'POST /pint/v3/receiver-validation': { public: 401, call: (ctx) => api('post', '/pint/v3/receiver-validation', ctx).send({ codeListProvider: 'SDX', partyCode: 'demo-consignee' }) },
  'POST /pint/v3/envelopes': { public: 401, call: (ctx) => api('post', '/pint/v3/envelopes', ctx).send({}) },
  'PUT /pint/v3/envelopes/{envelopeReference}/additional-documents/{documentChecksum}': {
    public: 401,
    call: (ctx) => api('put', `/pint/v3/envelopes/ref/additional-documents/${'ab'.repeat(32)}`, ctx).send(JSON.stringify('UERG')).type('json'),
  },
  'PUT /pint/v3/envelopes/{envelopeReference}/finish-transfer': { public: 401, call: (ctx) => api('put', '/pint/v3/envelopes/ref/finish-transfer', ctx) },
  'POST /pint/v3/sdx/notices': { public: 401, call: (ctx) => api('post', '/pint/v3/sdx/notices', ctx).send({ noticeSignedContent: 'a.b.c' }) },
  // Asked from loopback here; from elsewhere it takes SDX_METRICS_TOKEN, never an API key.
  'GET /metrics': { public: 200, call: (ctx) => api('get', '/metrics', ctx) },
  // The operator's view of the peer outbox: the same gate as /metrics (loopback here), whatever key comes with it.
  [`GET ${API}/federation/sends`]: { public: 200, call: (ctx) => api('get', `${API}/federation/sends`, ctx) },
  // A text file: refused the same way for anyone, key or not.
  'POST /verify': { public: 415, call: (ctx) => api('post', '/verify', ctx).attach('file', Buffer.from('not a pdf'), 'x.txt') },
  'GET /verify/{id}': { public: 200, call: (ctx) => api('get', `/verify/${ctx.docId}`, ctx).set('Accept', 'application/json') },
  'GET /v/{token}/status': { public: 200, call: (ctx) => api('get', `/v/${ctx.passToken}/status`, ctx) },
  [`GET ${API}/documents`]: {
    ...everyone(200),
    call: (ctx) => api('get', `${API}/documents?limit=200`, ctx),
    check: (res, ctx, relation) => {
      const listed = (res.body.items as { id: string }[]).some((item) => item.id === ctx.docId);
      return listed === (relation === 'own' || sees(ctx.party)) ? undefined : `${ctx.doc} ${listed ? 'listed' : 'not listed'}`;
    },
  },
  [`POST ${API}/documents`]: { own: issuing, other: issuing, call: (ctx) => api('post', `${API}/documents`, ctx).send({ kind: 'delivery-order', payload: payloadOf('delivery-order') }) },
  [`GET ${API}/documents/{id}`]: { ...readable, call: (ctx) => api('get', `${API}/documents/${ctx.docId}`, ctx) },
  [`GET ${API}/documents/{id}/pdf`]: { ...readable, call: (ctx) => api('get', `${API}/documents/${ctx.docId}/pdf`, ctx) },
  // A stale If-Match: everyone who can see the document gets 412 and nothing changes.
  [`POST ${API}/documents/{id}/events`]: {
    own: 412,
    other: (p) => (sees(p) ? 412 : 404),
    call: (ctx) => api('post', `${API}/documents/${ctx.docId}/events`, ctx).set('If-Match', '"0"').send({ type: 'release' }),
  },
  [`POST ${API}/documents/{id}/attachments`]: {
    own: 201,
    other: (p) => (sees(p) ? 403 : 404),
    call: (ctx) => api('post', `${API}/documents/${ctx.docId}/attachments`, ctx).attach('file', photo('gate-photo-door.png'), 'door.png'),
  },
  [`GET ${API}/log/tree-head`]: { ...everyone(200), call: (ctx) => api('get', `${API}/log/tree-head`, ctx) },
  [`GET ${API}/log/entries`]: {
    ...everyone(200),
    call: (ctx) => api('get', `${API}/log/entries?start=0&end=${logSize}`, ctx),
    check: (res, ctx, relation) => {
      const shown = (res.body.entries as { documentId: string }[]).some((e) => e.documentId === ctx.docId);
      return shown === (relation === 'own' || sees(ctx.party)) ? undefined : `${ctx.doc}'s entries ${shown ? 'shown' : 'not shown'}`;
    },
  },
  [`GET ${API}/log/parties`]: {
    own: (p) => (p === P.auditor ? 200 : 403),
    other: (p) => (p === P.auditor ? 200 : 403),
    call: (ctx) => api('get', `${API}/log/parties`, ctx),
  },
  [`GET ${API}/log/proof/inclusion`]: { ...everyone(200), call: (ctx) => api('get', `${API}/log/proof/inclusion?index=${logIndexOf[ctx.doc]}&size=${logSize}`, ctx) },
  [`GET ${API}/log/proof/consistency`]: { ...everyone(200), call: (ctx) => api('get', `${API}/log/proof/consistency?from=1&to=${logSize}`, ctx) },
  [`GET ${API}/dcsa/tnt/v3/events`]: { ...everyone(200), call: (ctx) => api('get', `${API}/dcsa/tnt/v3/events`, ctx) },
  [`GET ${API}/dcsa/deo/delivery-orders/{id}`]: { ...readable, kind: 'delivery-order', call: (ctx) => api('get', `${API}/dcsa/deo/delivery-orders/${ctx.docId}`, ctx) },
  [`GET ${API}/stream`]: { ...everyone(200), stream: true, call: (ctx) => api('get', `${API}/stream`, ctx) },
  // Webhooks belong to a party: "own" is the party's endpoint, "other" its neighbour's, which it cannot tell from none.
  [`POST ${API}/webhooks`]: { ...everyone(201), call: (ctx) => api('post', `${API}/webhooks`, ctx).send({ url: `https://hooks.invalid/${ctx.party}` }) },
  [`GET ${API}/webhooks`]: { ...everyone(200), call: (ctx) => api('get', `${API}/webhooks`, ctx) },
  [`GET ${API}/webhooks/{id}`]: { own: 200, other: 404, call: (ctx) => api('get', `${API}/webhooks/${ctx.webhookId}`, ctx) },
  [`GET ${API}/webhooks/{id}/deliveries`]: { own: 200, other: 404, call: (ctx) => api('get', `${API}/webhooks/${ctx.webhookId}/deliveries`, ctx) },
  [`POST ${API}/webhooks/{id}/deliveries/{deliveryId}/redrive`]: {
    own: (p) => (hasDelivery(p) ? 200 : 404),
    other: 404,
    call: (ctx) => api('post', `${API}/webhooks/${ctx.webhookId}/deliveries/${ctx.deliveryId}/redrive`, ctx),
  },
  // Last: it disables the party's own endpoint.
  [`DELETE ${API}/webhooks/{id}`]: { own: 204, other: 404, call: (ctx) => api('delete', `${API}/webhooks/${ctx.webhookId}`, ctx) },
};

const page = (method: 'get' | 'post', path: string, ctx: CallContext): request.Test => {
  const req = request(t.app)[method](path);
  return ctx.credential ? req.set('Cookie', ctx.credential) : req;
};
/** A form post without the form token: refused whoever is signed in (CSRF), sign-in asked otherwise. */
const formPost = (path: (ctx: CallContext) => string, roles?: readonly string[]): RouteRule => ({
  ...everyone(403),
  ...(roles ? { roles } : {}),
  call: (ctx) => page('post', path(ctx), ctx).type('form').send({ note: 'no form token' }),
});
const facility = ['terminal', 'depot'];
const agentDesk = ['carrier-agent', 'carrier'];
const shipperDesk = ['shipper', 'forwarder'];

const pageRules: Record<string, RouteRule> = {
  'GET /': { public: 303, call: (ctx) => page('get', '/', ctx) },
  'GET /lang': { public: 303, call: (ctx) => page('get', '/lang?to=en', ctx) },
  'GET /login': { public: 200, call: (ctx) => page('get', '/login', ctx) },
  // Sign-in is public: sent as this site's form does (Origin, pre-session cookie, form token), without
  // the caller's session cookie, which a new sign-in in the same browser would end.
  'POST /login': {
    public: 303,
    call: (ctx) =>
      request(t.app)
        .post('/login')
        .set({ Origin: TEST_ORIGIN, Cookie: loginForm.cookie })
        .type('form')
        .send({ userId: demoParty(ctx.party).user.id, password: 'sdx-demo', loginToken: loginForm.token }),
  },
  'POST /logout': formPost(() => '/logout'),
  'GET /m/': { ...everyone(200), call: (ctx) => page('get', '/m/', ctx) },
  'GET /m/stream': { ...everyone(200), stream: true, call: (ctx) => page('get', '/m/stream', ctx) },
  'GET /m/d/{id}': { ...readable, call: (ctx) => page('get', `/m/d/${ctx.docId}`, ctx) },
  // Only eirA carries a photo.
  'GET /m/d/{id}/photos/{sha256}': {
    own: (p) => (documentFor(p, true, 'eir') === 'eirA' ? 200 : 404),
    other: (p) => (sees(p) ? 200 : 404),
    kind: 'eir',
    call: (ctx) => page('get', `/m/d/${ctx.docId}/photos/${photoSha}`, ctx),
  },
  'POST /m/d/{id}/countersign': formPost((ctx) => `/m/d/${ctx.docId}/countersign`),
  'GET /gate': { ...everyone(200), roles: facility, call: (ctx) => page('get', '/gate', ctx) },
  // A clerk reads the facts behind a pass only for a document its party takes part in.
  'GET /gate/facts/{token}': { own: 200, other: 404, roles: facility, call: (ctx) => page('get', `/gate/facts/${ctx.passToken}`, ctx).set('Accept', 'application/json') },
  'GET /gate/record/{id}': { ...readable, roles: facility, kind: 'eir', call: (ctx) => page('get', `/gate/record/${ctx.docId}`, ctx) },
  'POST /gate/record/{id}': formPost((ctx) => `/gate/record/${ctx.docId}`, facility),
  'POST /gate/release/{id}': formPost((ctx) => `/gate/release/${ctx.docId}`, facility),
  'GET /verify': { public: 200, call: (ctx) => page('get', '/verify', ctx) },
  'POST /verify/report': { public: 415, call: (ctx) => page('post', '/verify/report', ctx).attach('file', Buffer.from('not a pdf'), 'x.txt') },
  'GET /v/{token}': { public: 200, call: (ctx) => page('get', `/v/${ctx.passToken}`, ctx) },
  'GET /audit': { ...everyone(200), roles: ['auditor'], call: (ctx) => page('get', '/audit', ctx) },
  'GET /sw.js': { public: 200, call: (ctx) => page('get', '/sw.js', ctx) },
  // The desk sends each role to its own desk.
  'GET /desk': { ...everyone(303), roles: [...agentDesk, ...shipperDesk, ...facility], call: (ctx) => page('get', '/desk', ctx) },
  'GET /desk/agent': { ...everyone(200), roles: agentDesk, call: (ctx) => page('get', '/desk/agent', ctx) },
  'GET /desk/agent/do/new': { ...everyone(200), roles: agentDesk, call: (ctx) => page('get', '/desk/agent/do/new', ctx) },
  'POST /desk/agent/do': formPost(() => '/desk/agent/do', agentDesk),
  // Only the issuing agent may amend; the carrier sees why not (409).
  'GET /desk/agent/do/{id}/amend': {
    own: (p) => (p === P.agentSha ? 200 : 409),
    other: 404,
    roles: agentDesk,
    kind: 'delivery-order',
    call: (ctx) => page('get', `/desk/agent/do/${ctx.docId}/amend`, ctx),
  },
  'POST /desk/agent/do/{id}/amend': formPost((ctx) => `/desk/agent/do/${ctx.docId}/amend`, agentDesk),
  'GET /desk/shipper': { ...everyone(200), roles: shipperDesk, call: (ctx) => page('get', '/desk/shipper', ctx) },
  'GET /desk/shipper/guarantee/new': { ...everyone(200), roles: shipperDesk, call: (ctx) => page('get', '/desk/shipper/guarantee/new', ctx) },
  'POST /desk/shipper/guarantee': formPost(() => '/desk/shipper/guarantee', shipperDesk),
  'GET /desk/facility': { ...everyone(200), roles: facility, call: (ctx) => page('get', '/desk/facility', ctx) },
  'GET /desk/facility/eirs/new': { ...everyone(200), roles: facility, call: (ctx) => page('get', '/desk/facility/eirs/new', ctx) },
  'POST /desk/facility/eirs': formPost(() => '/desk/facility/eirs', facility),
  'POST /desk/validate/{kind}': formPost(() => '/desk/validate/eir'),
  'GET /desk/documents/{id}': { ...readable, call: (ctx) => page('get', `/desk/documents/${ctx.docId}`, ctx) },
  'GET /desk/documents/{id}/pdf': { ...readable, call: (ctx) => page('get', `/desk/documents/${ctx.docId}/pdf`, ctx) },
  // Only eirA carries a photo.
  'GET /desk/documents/{id}/photos/{sha256}': {
    own: (p) => (documentFor(p, true, 'eir') === 'eirA' ? 200 : 404),
    other: (p) => (sees(p) ? 200 : 404),
    kind: 'eir',
    call: (ctx) => page('get', `/desk/documents/${ctx.docId}/photos/${photoSha}`, ctx),
  },
  'POST /desk/documents/{id}/act': formPost((ctx) => `/desk/documents/${ctx.docId}/act`),
};

// ---- Running the cells.

interface Cell {
  operation: string;
  party: PartyName;
  relation: Relation;
  expected: number;
  /** A document the cell is about, when the relation names one. */
  doc: DocName;
}

function expectedFor(rule: RouteRule, operation: string, party: PartyName, relation: Relation, isPage: boolean): number | undefined {
  if (rule.public !== undefined) return rule.public;
  if (relation === 'no-credentials' || relation === 'revoked-key') {
    // Pages ask for a sign-in; the API answers 401.
    return isPage ? 303 : 401;
  }
  if (rule.roles && !rule.roles.some((role) => demoParty(party).roles.includes(role))) return 403;
  const expect = relation === 'own' ? rule.own : rule.other;
  if (expect === undefined) throw new Error(`${operation} has no rule for ${relation}`);
  return typeof expect === 'number' ? expect : expect(party);
}

function cellsOf(rules: Record<string, RouteRule>, relations: readonly Relation[], isPage: boolean): { cells: Cell[]; notApplicable: string[] } {
  const cells: Cell[] = [];
  const notApplicable: string[] = [];
  for (const [operation, rule] of Object.entries(rules)) {
    for (const party of allParties) {
      for (const relation of relations) {
        const doc =
          relation === 'own' ? documentFor(party, true, rule.kind)
          : relation === 'other' ? documentFor(party, false, rule.kind)
          : documentFor(party, true, rule.kind) ?? documentFor(party, false, rule.kind);
        // The auditor takes part in nothing; a party may take part in no document of the route's kind.
        if (!doc) {
          notApplicable.push(`${operation} ${party} ${relation}`);
          continue;
        }
        const expected = expectedFor(rule, operation, party, relation, isPage);
        if (expected !== undefined) cells.push({ operation, party, relation, expected, doc });
      }
    }
  }
  return { cells, notApplicable };
}

/** Status of a request whose body never ends (an event stream): read the head, then hang up. */
async function streamStatus(path: string, headers: Record<string, string>): Promise<number> {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((ready) => server.once('listening', () => ready()));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((closed) => server.close(() => closed()));
  }
}

async function run(
  rules: Record<string, RouteRule>,
  cells: readonly Cell[],
  credentialOf: (cell: Cell) => string | undefined,
  header: 'Authorization' | 'Cookie',
): Promise<string[]> {
  const mismatches: string[] = [];
  const passes = new GatePasses({ signing: createPrivateKey(readFileSync(certsDevPath('gate-pass.key.pem'), 'utf8')) });
  const tokens = new Map<DocName, string>();
  for (const d of documents) {
    const stored = await t.store.getDocument(ids[d.name]);
    if (!stored) throw new Error(`${d.name} not stored`);
    tokens.set(d.name, passes.sign(passes.claimsFor(stored, new Date())));
  }
  for (const cell of cells) {
    const rule = rules[cell.operation];
    if (!rule) throw new Error(`no rule for ${cell.operation}`);
    const credential = credentialOf(cell);
    const ctx: CallContext = {
      party: cell.party,
      docId: ids[cell.doc],
      doc: cell.doc,
      passToken: tokens.get(cell.doc) ?? '',
      webhookId: webhookOf.get(cell.relation === 'other' ? neighbour(cell.party) : cell.party) ?? 'wh-none',
      deliveryId: deliveryOf.get(cell.party) ?? 'dlv-none',
      ...(credential ? { credential } : {}),
    };
    const where = `${cell.operation} as ${cell.party} (${cell.relation}, ${cell.doc})`;
    if (rule.stream) {
      const path = cell.operation.split(' ')[1] ?? '';
      const status = await streamStatus(path, credential ? { [header]: credential } : {});
      if (status !== cell.expected) mismatches.push(`${where}: expected ${cell.expected}, got ${status}`);
      continue;
    }
    const res = await rule.call(ctx);
    if (res.status !== cell.expected) {
      mismatches.push(`${where}: expected ${cell.expected}, got ${res.status} ${String(res.body?.code ?? '')}`);
      continue;
    }
    if (res.status === 303 && cell.expected === 303 && rule.public === undefined && !credential && !String(res.headers['location']).startsWith('/login?next=')) {
      mismatches.push(`${where}: redirected to ${String(res.headers['location'])}, not to sign in`);
    }
    if (res.status < 300 && rule.check) {
      const problem = rule.check(res, ctx, cell.relation);
      if (problem) mismatches.push(`${where}: ${problem}`);
    }
  }
  return mismatches;
}

beforeAll(async () => {
  t = await startTestApp();
  c = new Client(t);
  ids.doA = (await c.deliveryOrder()).id;
  ids.doB = (await c.deliveryOrder()).id;
  await c.acted(P.consignee, ids.doB, { type: 'transfer', to: P.forwarder });

  ids.eirA = (await c.issued(P.terminal, 'eir')).id;
  const door = photo('gate-photo-front.jpg');
  expectStatus(await c.attach(P.terminal, ids.eirA, door, 'front.jpg', 'image/jpeg'), 201);
  photoSha = sha256Hex(door);
  await c.acted(P.terminal, ids.eirA, { type: 'gate-record', gateRecord: { ...gateRecordExample(), photoSha256: [photoSha] } });

  ids.eirB = (
    await c.issued(P.depot, 'eir', payloadOf('eir', (p) => {
      const container = p['container'] as Record<string, unknown>;
      container['operator'] = { name: 'An operator without an SDX account' };
      const facilityOf = p['facility'] as Record<string, unknown>;
      facilityOf['operator'] = { partyId: P.depot, name: 'Waigaoqiao Demo Empty Depot' };
      (p['haulier'] as Record<string, unknown>)['partyId'] = P.haulierB;
    }))
  ).id;
  ids.guarantee = (await c.issued(P.shipper, 'telex-release-guarantee')).id;

  for (const party of allParties) {
    const registered = await c.post(party, '/webhooks', { url: `https://hooks.invalid/${party}/setup` });
    expectStatus(registered, 201);
    webhookOf.set(party, String(registered.body.id));
  }
  // An event after every party registered: a delivery (pending; no dispatcher runs here) for each of doA's parties.
  await c.acted(P.consignee, ids.doA, { type: 'present', to: P.terminal });
  for (const party of allParties) {
    const listed = await c.get(party, `/webhooks/${webhookOf.get(party) ?? ''}/deliveries`);
    expectStatus(listed, 200);
    const first = (listed.body.items as { id: string }[])[0];
    if (first) deliveryOf.set(party, first.id);
  }
  expect([...deliveryOf.keys()].sort()).toEqual([...(documents[0]?.participants ?? [])].sort());

  for (const d of documents) logIndexOf[d.name] = (await c.document(P.auditor, ids[d.name])).events[0]?.logIndex ?? -1;
  logSize = (await c.get(P.auditor, '/log/tree-head')).body.size as number;

  const form = await request(t.app).get('/login');
  loginForm.cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? []).find((line) => line.startsWith('sdx_login='))?.split(';')[0] ?? '';
  loginForm.token = hiddenValue(form.text, 'loginToken');
  for (const party of allParties) {
    const secret = generateApiKey();
    const keyId = `key-revoked-${party}`;
    await t.store.addApiKey({ id: keyId, userId: demoParty(party).user.id, keyHash: hashApiKey(secret), label: 'revoked', createdAt: new Date().toISOString(), revokedAt: null });
    await t.store.revokeApiKey(keyId, new Date().toISOString());
    revokedKeys.set(party, `Bearer ${secret}`);

    const login = await postLogin(request.agent(t.app), { userId: demoParty(party).user.id, password: 'sdx-demo' });
    expectStatus(login, 303);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((line) => line.startsWith('sdx_session='));
    if (!cookie) throw new Error(`no session cookie for ${party}`);
    sessions.set(party, cookie.split(';')[0] ?? '');
  }
}, 120_000);

afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

describe('the route matrix', () => {
  it('covers every route the app serves, every documented operation and every page, and nothing else', () => {
    const covered = new Set([...Object.keys(apiRules), ...Object.keys(pageRules)]);
    const documented = Object.entries((openApiDocument() as { paths: Record<string, object> }).paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const required = new Set([...servedOperations(t.app), ...documented, ...PAGE_OPERATIONS]);
    expect({ uncovered: [...required].filter((op) => !covered.has(op)).sort() }).toEqual({ uncovered: [] });
    expect({ stale: [...covered].filter((op) => !required.has(op)).sort() }).toEqual({ stale: [] });
  });

  it('API: every route x every party x own / other\'s document / no key / revoked key answers as the rules say', async () => {
    const { cells, notApplicable } = cellsOf(apiRules, ['own', 'other', 'no-credentials', 'revoked-key'], false);
    const mismatches = await run(
      apiRules,
      cells,
      (cell) => (cell.relation === 'no-credentials' ? undefined : cell.relation === 'revoked-key' ? revokedKeys.get(cell.party) : apiKey(cell.party)),
      'Authorization',
    );
    expect(mismatches).toEqual([]);
    expect(cells.length).toBeGreaterThan(Object.keys(apiRules).length * allParties.length * 3);
    // Only the auditor (part of nothing) lacks an own document, and on the D/O-only route, a party in no D/O
    // (or, the carrier, in every one) lacks one of its kind.
    for (const cell of notApplicable) expect(cell).toMatch(new RegExp(`(${P.auditor} own|delivery-orders/\\{id\\} \\S+ (own|other))$`));
  }, 300_000);

  it('pages: every page x every party\'s session x own / other\'s document / no session answers as the rules say', async () => {
    const { cells } = cellsOf(pageRules, ['own', 'other', 'no-credentials'], true);
    const mismatches = await run(pageRules, cells, (cell) => (cell.relation === 'no-credentials' ? undefined : sessions.get(cell.party)), 'Cookie');
    expect(mismatches).toEqual([]);
    expect(cells.length).toBeGreaterThan(Object.keys(pageRules).length * allParties.length * 2);
  }, 300_000);

  it('a party\'s cookie is no API key, and an API key is no session', async () => {
    const cookie = sessions.get(P.consignee) ?? '';
    const res = await request(t.app).get(`${API}/documents/${ids.doA}`).set('Cookie', cookie);
    expect(res.status).toBe(401);
    const pageWithKey = await request(t.app).get('/m/').set('Authorization', apiKey(P.consignee));
    expect(pageWithKey.status).toBe(303);
    expect(pageWithKey.headers['location']).toBe('/login?next=%2Fm%2F');
  });
});
