import type { DocumentKind } from '../../src/domain/document/document';
import {
  Client,
  P,
  allParties,
  expectChain,
  expectProblem,
  expectStatus,
  expectValidPdf,
  gateRecordExample,
  payloadOf,
  type DocumentBody,
  type PartyName,
  useExchange,
} from './exchange-client';

let c: Client;
useExchange((_app, client) => {
  c = client;
});

/** How each party fares: allowed, refused with a 403 code, or told the document does not exist. */
type Outcome = 'allowed' | { forbidden: string } | 'hidden';

interface ActionCase {
  name: string;
  /** Brings a fresh document to the state the action starts from. */
  setup: () => Promise<DocumentBody>;
  body: Record<string, unknown>;
  allowed: PartyName;
  /** Parties that take part but may not act, with their refusal code. Everyone else is hidden (404). */
  refused: Partial<Record<PartyName, string>>;
  /** What the document looks like after the allowed party acted. */
  after: Partial<DocumentBody>;
}

const deliveryOrder = () => c.deliveryOrder();
const presentedDeliveryOrder = async () => {
  const d = await c.deliveryOrder();
  await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
  return d;
};
const eir = () => c.issued(P.terminal, 'eir');
const gateRecordedEir = async () => {
  const e = await c.issued(P.terminal, 'eir');
  await c.acted(P.terminal, e.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  return e;
};
const guarantee = () => c.issued(P.shipper, 'telex-release-guarantee');

// Participants of the example D/O: agent-sha (issuer, carrier-agent), carrier, consignee (holder), terminal.
const doParticipants = { [P.agentSha]: 'x', [P.carrier]: 'x', [P.consignee]: 'x', [P.terminal]: 'x' } as const;
const refusedOnDo = (code: string, except: PartyName): Partial<Record<PartyName, string>> => ({
  ...Object.fromEntries(Object.keys(doParticipants).filter((p) => p !== except).map((p) => [p, code])),
  [P.auditor]: 'read-only-party',
});

const cases: ActionCase[] = [
  {
    name: 'transfer a D/O',
    setup: deliveryOrder,
    body: { type: 'transfer', to: P.forwarder },
    allowed: P.consignee,
    refused: refusedOnDo('not-holder', P.consignee),
    after: { status: 'transferred', holder: P.forwarder },
  },
  {
    name: 'present a D/O',
    setup: deliveryOrder,
    body: { type: 'present', to: P.terminal },
    allowed: P.consignee,
    refused: refusedOnDo('not-holder', P.consignee),
    after: { status: 'presented', presentedTo: P.terminal },
  },
  {
    name: 'release a D/O',
    setup: presentedDeliveryOrder,
    body: { type: 'release' },
    allowed: P.terminal,
    refused: refusedOnDo('not-presentee', P.terminal),
    after: { status: 'released', holder: P.terminal },
  },
  {
    name: 'reject a D/O presentation',
    setup: presentedDeliveryOrder,
    body: { type: 'reject-presentation', reason: 'Charges unpaid' },
    allowed: P.terminal,
    refused: refusedOnDo('not-presentee', P.terminal),
    after: { status: 'presentation-rejected', presentedTo: null },
  },
  {
    name: 'void a D/O',
    setup: deliveryOrder,
    body: { type: 'void', reason: 'Issued in error' },
    allowed: P.agentSha,
    refused: refusedOnDo('not-issuer', P.agentSha),
    after: { status: 'voided', holder: null },
  },
  {
    name: 'amend a D/O',
    setup: deliveryOrder,
    body: { type: 'amend', payload: payloadOf('delivery-order'), reason: 'New D/O number' },
    allowed: P.agentSha,
    refused: refusedOnDo('not-issuer', P.agentSha),
    after: { status: 'superseded' },
  },
  {
    name: 'gate-record an EIR',
    setup: eir,
    body: { type: 'gate-record', gateRecord: gateRecordExample() },
    allowed: P.terminal,
    refused: { [P.haulierA]: 'not-facility-operator', [P.carrier]: 'not-facility-operator', [P.auditor]: 'read-only-party' },
    after: { status: 'gate-recorded' },
  },
  {
    name: 'countersign an EIR',
    setup: gateRecordedEir,
    body: { type: 'countersign' },
    allowed: P.haulierA,
    refused: { [P.terminal]: 'not-haulier', [P.carrier]: 'not-haulier', [P.auditor]: 'read-only-party' },
    after: { status: 'countersigned' },
  },
  {
    name: 'void an EIR',
    setup: eir,
    body: { type: 'void', reason: 'Truck did not arrive' },
    allowed: P.terminal,
    refused: { [P.haulierA]: 'not-issuer', [P.carrier]: 'not-issuer', [P.auditor]: 'read-only-party' },
    after: { status: 'voided' },
  },
  {
    name: 'accept a guarantee',
    setup: guarantee,
    body: { type: 'accept' },
    allowed: P.agentPus,
    refused: { [P.shipper]: 'not-addressee', [P.agentSha]: 'not-addressee', [P.carrier]: 'not-addressee', [P.auditor]: 'read-only-party' },
    after: { status: 'accepted', holder: P.agentSha },
  },
  {
    name: 'reject a guarantee',
    setup: guarantee,
    body: { type: 'reject', reason: 'Wrong B/L' },
    allowed: P.agentPus,
    refused: { [P.shipper]: 'not-addressee', [P.agentSha]: 'not-addressee', [P.carrier]: 'not-addressee', [P.auditor]: 'read-only-party' },
    after: { status: 'rejected', holder: P.shipper },
  },
  {
    name: 'withdraw a guarantee',
    setup: guarantee,
    body: { type: 'withdraw', reason: 'Originals found' },
    allowed: P.shipper,
    refused: { [P.agentPus]: 'not-issuer', [P.agentSha]: 'not-issuer', [P.carrier]: 'not-issuer', [P.auditor]: 'read-only-party' },
    after: { status: 'withdrawn' },
  },
];

function outcomeOf(testCase: ActionCase, party: PartyName): Outcome {
  if (party === testCase.allowed) return 'allowed';
  const code = testCase.refused[party];
  return code ? { forbidden: code } : 'hidden';
}

describe.each(cases)('$name', (testCase) => {
  // One document per case: everyone else is refused first, then the allowed party acts on it.
  let document: DocumentBody;
  beforeAll(async () => {
    document = await testCase.setup();
  });

  it(`every party but ${testCase.allowed} is refused (403 with the lifecycle code, or 404 when no part of it), and nothing changes`, async () => {
    const before = await c.document(testCase.allowed, document.id);
    for (const party of allParties) {
      const outcome = outcomeOf(testCase, party);
      if (outcome === 'allowed') continue;
      const res = await c.act(party, document.id, testCase.body);
      if (outcome === 'hidden') expectProblem(res, 404, 'not-found');
      else expectProblem(res, 403, outcome.forbidden);
    }
    const after = await c.document(testCase.allowed, document.id);
    expect(after.sequence).toBe(before.sequence);
    expect(after.status).toBe(before.status);
    expect(after.holder).toBe(before.holder);
  });

  it(`${testCase.allowed} may`, async () => {
    const res = await c.act(testCase.allowed, document.id, testCase.body);
    expectStatus(res, 200);
    const view = res.body as DocumentBody;
    expect(view).toMatchObject(testCase.after);
    expectChain(view);
    const pdfOf = view.supersededBy ?? view.id;
    const current = await c.document(testCase.allowed, pdfOf);
    await expectValidPdf(await c.pdf(testCase.allowed, pdfOf), current.payloadHash);
  });
});

describe('issuing', () => {
  const examples: { kind: DocumentKind; allowed: PartyName[]; notNamed: PartyName[] }[] = [
    // A D/O is issued by a carrier or carrier agent the payload names.
    { kind: 'delivery-order', allowed: [P.agentSha, P.carrier], notNamed: [P.agentPus] },
    // An EIR by the facility operator or container operator it names.
    { kind: 'eir', allowed: [P.terminal, P.carrier], notNamed: [P.depot] },
    // A guarantee by the shipper (or a forwarder) it names.
    { kind: 'telex-release-guarantee', allowed: [P.shipper], notNamed: [P.forwarder] },
  ];

  it.each(examples)('$kind: the named issuers may; other roles get 403 issuer-role-not-allowed', async ({ kind, allowed, notNamed }) => {
    for (const party of allParties) {
      const res = await c.issue(party, kind, payloadOf(kind));
      if (allowed.includes(party)) {
        expectStatus(res, 201);
        const body = res.body as DocumentBody;
        expect(body.issuer).toBe(party);
        await expectValidPdf(await c.pdf(party, body.id), body.payloadHash);
      } else if (notNamed.includes(party)) {
        expectProblem(res, 403, 'issuer-not-named-in-payload');
      } else {
        expectProblem(res, 403, 'issuer-role-not-allowed');
      }
    }
  });
});
