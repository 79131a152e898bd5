import type { DocumentKind, DocumentState } from '../../../src/domain/document/document';
import { decideAction } from '../../../src/domain/document/document-kinds';
import { decideSystemEvent } from '../../../src/domain/document/lifecycle';
import { after, NOW, request, type Step } from '../../support/lifecycle-fixtures';

/** Named states each kind's tables start from, reached through real transitions. */
const paths: Record<DocumentKind, Record<string, Step[]>> = {
  'delivery-order': {
    issued: [],
    transferred: [['transfer', 'demo-consignee', 'demo-forwarder']],
    presented: [
      ['transfer', 'demo-consignee', 'demo-forwarder'],
      ['present', 'demo-forwarder', 'demo-terminal'],
    ],
    'presentation-rejected': [
      ['transfer', 'demo-consignee', 'demo-forwarder'],
      ['present', 'demo-forwarder', 'demo-terminal'],
      ['reject-presentation', 'demo-terminal'],
    ],
    released: [
      ['present', 'demo-consignee', 'demo-terminal'],
      ['release', 'demo-terminal'],
    ],
    voided: [['void', 'demo-agent-sha']],
    superseded: [['amend', 'demo-agent-sha']],
  },
  eir: {
    issued: [],
    'gate-recorded': [['gate-record', 'demo-terminal']],
    countersigned: [
      ['gate-record', 'demo-terminal'],
      ['countersign', 'demo-haulier-a'],
    ],
    voided: [['void', 'demo-terminal']],
  },
  'telex-release-guarantee': {
    submitted: [],
    accepted: [['accept', 'demo-agent-pus']],
    rejected: [['reject', 'demo-agent-pus']],
    withdrawn: [['withdraw', 'demo-shipper']],
  },
};

function stateAt(kind: DocumentKind, name: string): DocumentState {
  const steps = paths[kind][name];
  if (!steps) throw new Error(`no path to ${kind} ${name}`);
  const state = after(kind, steps);
  expect(state.status).toBe(name);
  return state;
}

type Allowed = [from: string, step: Step, status: string, holder: string | null, presentedTo?: string | null];

const allowed: Record<DocumentKind, Allowed[]> = {
  'delivery-order': [
    ['issued', ['transfer', 'demo-consignee', 'demo-forwarder'], 'transferred', 'demo-forwarder'],
    ['transferred', ['transfer', 'demo-forwarder', 'demo-haulier-a'], 'transferred', 'demo-haulier-a'],
    ['presentation-rejected', ['transfer', 'demo-forwarder', 'demo-haulier-b'], 'transferred', 'demo-haulier-b'],
    ['issued', ['present', 'demo-consignee', 'demo-terminal'], 'presented', 'demo-consignee', 'demo-terminal'],
    ['transferred', ['present', 'demo-forwarder', 'demo-terminal'], 'presented', 'demo-forwarder', 'demo-terminal'],
    ['presentation-rejected', ['present', 'demo-forwarder', 'demo-terminal'], 'presented', 'demo-forwarder', 'demo-terminal'],
    ['presented', ['release', 'demo-terminal'], 'released', 'demo-terminal', 'demo-terminal'],
    ['presented', ['reject-presentation', 'demo-terminal'], 'presentation-rejected', 'demo-forwarder', null],
    ['issued', ['void', 'demo-agent-sha'], 'voided', null],
    ['transferred', ['void', 'demo-agent-sha'], 'voided', null],
    ['presented', ['void', 'demo-agent-sha'], 'voided', null],
    ['presentation-rejected', ['void', 'demo-agent-sha'], 'voided', null],
    ['issued', ['amend', 'demo-agent-sha'], 'superseded', null],
    ['transferred', ['amend', 'demo-agent-sha'], 'superseded', null],
    ['presented', ['amend', 'demo-agent-sha'], 'superseded', null],
    ['presentation-rejected', ['amend', 'demo-agent-sha'], 'superseded', null],
  ],
  eir: [
    ['issued', ['gate-record', 'demo-terminal'], 'gate-recorded', 'demo-haulier-a'],
    ['gate-recorded', ['countersign', 'demo-haulier-a'], 'countersigned', 'demo-haulier-a'],
    ['issued', ['void', 'demo-terminal'], 'voided', null],
    ['gate-recorded', ['void', 'demo-terminal'], 'voided', null],
  ],
  'telex-release-guarantee': [
    ['submitted', ['accept', 'demo-agent-pus'], 'accepted', 'demo-agent-sha'],
    ['submitted', ['reject', 'demo-agent-pus'], 'rejected', 'demo-shipper'],
    ['submitted', ['withdraw', 'demo-shipper'], 'withdrawn', 'demo-shipper'],
  ],
};

type Refused = [from: string, step: Step, code: string, category: 'conflict' | 'forbidden' | 'invalid'];

const refused: Record<DocumentKind, Refused[]> = {
  'delivery-order': [
    ['released', ['release', 'demo-terminal'], 'already-released', 'conflict'],
    ['released', ['present', 'demo-consignee', 'demo-terminal'], 'already-released', 'conflict'],
    ['released', ['transfer', 'demo-terminal', 'demo-forwarder'], 'already-released', 'conflict'],
    ['released', ['void', 'demo-agent-sha'], 'already-released', 'conflict'],
    ['voided', ['transfer', 'demo-consignee', 'demo-forwarder'], 'document-closed', 'conflict'],
    ['superseded', ['present', 'demo-consignee', 'demo-terminal'], 'document-closed', 'conflict'],
    ['issued', ['release', 'demo-terminal'], 'invalid-state-transition', 'conflict'],
    ['issued', ['reject-presentation', 'demo-terminal'], 'invalid-state-transition', 'conflict'],
    ['presented', ['transfer', 'demo-forwarder', 'demo-haulier-a'], 'invalid-state-transition', 'conflict'],
    ['presented', ['present', 'demo-forwarder', 'demo-terminal'], 'invalid-state-transition', 'conflict'],
    ['issued', ['transfer', 'demo-haulier-b', 'demo-haulier-a'], 'not-holder', 'forbidden'],
    ['transferred', ['transfer', 'demo-consignee', 'demo-haulier-a'], 'not-holder', 'forbidden'],
    ['issued', ['present', 'demo-agent-sha', 'demo-terminal'], 'not-holder', 'forbidden'],
    ['presented', ['release', 'other-terminal'], 'not-presentee', 'forbidden'],
    ['presented', ['release', 'demo-forwarder'], 'not-presentee', 'forbidden'],
    ['presented', ['reject-presentation', 'demo-consignee'], 'not-presentee', 'forbidden'],
    ['issued', ['void', 'demo-consignee'], 'not-issuer', 'forbidden'],
    ['issued', ['amend', 'demo-carrier'], 'not-issuer', 'forbidden'],
    ['issued', ['transfer', 'demo-auditor', 'demo-forwarder'], 'read-only-party', 'forbidden'],
    ['presented', ['release', 'demo-auditor'], 'read-only-party', 'forbidden'],
    ['issued', ['transfer', 'demo-consignee'], 'target-required', 'invalid'],
    ['issued', ['present', 'demo-consignee'], 'target-required', 'invalid'],
    ['issued', ['transfer', 'demo-consignee', 'demo-consignee'], 'target-is-holder', 'invalid'],
    ['issued', ['present', 'demo-consignee', 'demo-depot'], 'target-role-not-allowed', 'invalid'],
    ['issued', ['present', 'demo-consignee', 'other-terminal'], 'wrong-terminal', 'invalid'],
    ['issued', ['gate-record', 'demo-terminal'], 'unknown-action', 'invalid'],
    ['issued', ['accept', 'demo-consignee'], 'unknown-action', 'invalid'],
  ],
  eir: [
    ['issued', ['gate-record', 'demo-depot'], 'not-facility-operator', 'forbidden'],
    ['issued', ['gate-record', 'demo-haulier-a'], 'not-facility-operator', 'forbidden'],
    ['gate-recorded', ['countersign', 'demo-haulier-b'], 'not-haulier', 'forbidden'],
    ['gate-recorded', ['countersign', 'demo-terminal'], 'not-haulier', 'forbidden'],
    ['issued', ['countersign', 'demo-haulier-a'], 'invalid-state-transition', 'conflict'],
    ['gate-recorded', ['gate-record', 'demo-terminal'], 'invalid-state-transition', 'conflict'],
    ['countersigned', ['void', 'demo-terminal'], 'document-closed', 'conflict'],
    ['countersigned', ['countersign', 'demo-haulier-a'], 'document-closed', 'conflict'],
    ['voided', ['gate-record', 'demo-terminal'], 'document-closed', 'conflict'],
    ['issued', ['void', 'demo-haulier-a'], 'not-issuer', 'forbidden'],
    ['issued', ['expire', 'system'], 'not-yet-expired', 'conflict'],
    ['issued', ['expire', 'demo-haulier-a'], 'not-issuer', 'forbidden'],
    ['issued', ['gate-record', 'demo-auditor'], 'read-only-party', 'forbidden'],
    // Only its issuer sends an EIR on, and only to the facility it names on another platform.
    ['issued', ['transfer', 'demo-haulier-a', 'demo-haulier-b'], 'not-issuer', 'forbidden'],
    ['issued', ['transfer', 'demo-terminal', 'demo-depot'], 'wrong-terminal', 'invalid'],
  ],
  'telex-release-guarantee': [
    ['submitted', ['accept', 'demo-agent-sha'], 'not-addressee', 'forbidden'],
    ['submitted', ['reject', 'demo-shipper'], 'not-addressee', 'forbidden'],
    ['submitted', ['withdraw', 'demo-agent-pus'], 'not-issuer', 'forbidden'],
    ['submitted', ['accept', 'demo-auditor'], 'read-only-party', 'forbidden'],
    ['accepted', ['accept', 'demo-agent-pus'], 'document-closed', 'conflict'],
    ['accepted', ['withdraw', 'demo-shipper'], 'document-closed', 'conflict'],
    ['withdrawn', ['accept', 'demo-agent-pus'], 'document-closed', 'conflict'],
    ['rejected', ['accept', 'demo-agent-pus'], 'document-closed', 'conflict'],
    // Only its submitter sends a guarantee on, and only to the agent it names on another platform.
    ['submitted', ['transfer', 'demo-agent-pus', 'demo-agent-sha'], 'not-issuer', 'forbidden'],
    ['submitted', ['transfer', 'demo-shipper', 'demo-agent-sha'], 'guarantee-wrong-agent', 'invalid'],
  ],
};

describe.each(Object.keys(allowed) as DocumentKind[])('%s lifecycle', (kind) => {
  it.each(allowed[kind])('from %s, %j leads to %s (holder %s)', (...row: Allowed) => {
    // A rest parameter keeps jest from taking the optional last column for a done callback.
    const [from, step, status, holder, presentedTo] = row;
    const decision = decideAction(stateAt(kind, from), request(step));
    if (!decision.ok) throw new Error(`refused: ${decision.refusal.code} ${decision.refusal.message}`);
    expect(decision.next.status).toBe(status);
    expect(decision.next.holder).toBe(holder);
    if (presentedTo !== undefined) expect(decision.next.presentedTo).toBe(presentedTo);
  });

  it.each(refused[kind])('from %s, %j is refused as %s', (from, step, code, category) => {
    const state = stateAt(kind, from);
    const decision = decideAction(state, request(step));
    expect(decision.ok ? 'allowed' : decision.refusal.code).toBe(code);
    expect(decision.ok ? undefined : decision.refusal.category).toBe(category);
  });

  it('covers every status reachable in the table with at least one refusal or transition', () => {
    const covered = new Set([...allowed[kind].map((row) => row[0]), ...refused[kind].map((row) => row[0])]);
    expect([...covered].sort()).toEqual(Object.keys(paths[kind]).sort());
  });
});

describe('holder rules', () => {
  it('when a D/O is transferred, only the new holder controls it and the old one becomes a past transferee', () => {
    const state = after('delivery-order', [['transfer', 'demo-consignee', 'demo-forwarder']]);
    expect(state.holder).toBe('demo-forwarder');
    expect(state.participants).toEqual(expect.arrayContaining([{ partyId: 'demo-forwarder', role: 'transferee' }]));
    const byOldHolder = decideAction(state, request(['transfer', 'demo-consignee', 'demo-haulier-a']));
    expect(byOldHolder.ok ? 'allowed' : byOldHolder.refusal.code).toBe('not-holder');
  });

  it('when a guarantee is accepted, a release notice goes to the destination agent', () => {
    const decision = decideAction(after('telex-release-guarantee', []), request(['accept', 'demo-agent-pus']));
    expect(decision.ok && decision.effects).toEqual([{ type: 'release-notice', to: 'demo-agent-sha' }]);
  });

  it('when a D/O is amended, the old version is superseded', () => {
    const decision = decideAction(after('delivery-order', []), request(['amend', 'demo-agent-sha']));
    expect(decision.ok && decision.effects).toEqual([{ type: 'supersede' }]);
  });

  it('when an unused EIR passes its validUntil, SDX or its issuer may expire it', () => {
    const state = after('eir', []);
    const late = '2026-12-06T00:00:00+08:00';
    for (const actor of ['system', 'demo-terminal']) {
      const decision = decideAction(state, request(['expire', actor], late));
      expect(decision.ok && decision.next.status).toBe('expired');
    }
    expect(decideAction(state, request(['expire', 'system'], NOW)).ok).toBe(false);
  });

  it('a gate move is recorded only within the EIR’s validity window (2026-11-28 08:00 to 12-05 23:59 Beijing time)', () => {
    const state = after('eir', []);
    const at = (now: string) => {
      const decision = decideAction(state, request(['gate-record', 'demo-terminal'], now));
      return decision.ok ? decision.next.status : `${decision.refusal.code} ${decision.refusal.category}`;
    };
    expect(at('2026-11-28T07:59:59+08:00')).toBe('eir-not-yet-valid conflict');
    expect(at('2026-11-28T08:00:00+08:00')).toBe('gate-recorded');
    expect(at('2026-12-05T23:59:00+08:00')).toBe('gate-recorded');
    expect(at('2026-12-05T23:59:01+08:00')).toBe('eir-validity-ended conflict');
  });
});

describe('system events (archive renewal)', () => {
  const everyState = Object.entries(paths).flatMap(([kind, states]) => Object.keys(states).map((name) => [kind as DocumentKind, name] as const));

  it.each(everyState)('when SDX renews the archive of a %s that is %s, then it is allowed and changes nothing in its state', (kind, name) => {
    const state = stateAt(kind, name);
    expect(decideSystemEvent(state, 'archive-renewed', { system: true })).toEqual({ ok: true, next: state, effects: [] });
  });

  it.each(['demo-agent-sha', 'demo-consignee', 'demo-auditor'])('when the party %s records an archive renewal, then it is refused: only SDX records it', (partyId) => {
    const decision = decideSystemEvent(stateAt('delivery-order', 'issued'), 'archive-renewed', request(['void', partyId]).actor);
    expect(decision).toMatchObject({ ok: false, refusal: { code: 'system-only', category: 'forbidden' } });
  });
});
