import type { DocumentKind } from '../../../src/domain/document/document';
import { decideIssue } from '../../../src/domain/document/document-kinds';
import { checkTelexReleaseBacking } from '../../../src/domain/delivery-order/release-basis.rule';
import { canonicalHash } from '../../../src/domain/shared/canonical-json';
import { exampleWith, examplePayload } from '../../support/examples';
import { after, issued, party, roles } from '../../support/lifecycle-fixtures';
import { participantProblems, validatePayload } from '../../../src/domain/document/document-kinds';
import type { DeliveryOrderPayload } from '../../../src/domain/delivery-order/delivery-order.schema';

function refusalCode(kind: DocumentKind, issuer: string): string {
  const decision = decideIssue({ id: 'x', kind, payload: examplePayload(kind), issuer: party(issuer) });
  return decision.ok ? 'allowed' : decision.refusal.code;
}

describe('issuing a document', () => {
  it.each([
    ['delivery-order', 'demo-agent-sha', 'issued', 'demo-consignee'],
    ['delivery-order', 'demo-carrier', 'issued', 'demo-consignee'],
    ['eir', 'demo-terminal', 'issued', 'demo-haulier-a'],
    ['eir', 'demo-carrier', 'issued', 'demo-haulier-a'],
    ['telex-release-guarantee', 'demo-shipper', 'submitted', 'demo-agent-pus'],
  ] as const)('a %s issued by %s starts %s, held by %s', (kind, issuer, status, holder) => {
    const decision = decideIssue({ id: 'doc-1', kind, payload: examplePayload(kind), issuer: party(issuer) });
    if (!decision.ok) throw new Error(decision.refusal.message);
    expect(decision.state).toMatchObject({ id: 'doc-1', kind, status, holder, issuer, version: 1, presentedTo: null });
    expect(decision.state.payloadHash).toBe(canonicalHash(examplePayload(kind)));
    expect(decision.state.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect(decision.state.participants).toContainEqual({ partyId: issuer, role: 'issuer' });
  });

  it.each([
    ['delivery-order', 'demo-terminal', 'issuer-role-not-allowed'],
    ['delivery-order', 'demo-consignee', 'issuer-role-not-allowed'],
    ['delivery-order', 'demo-agent-pus', 'issuer-not-named-in-payload'],
    ['eir', 'demo-haulier-a', 'issuer-role-not-allowed'],
    ['eir', 'demo-depot', 'issuer-not-named-in-payload'],
    ['telex-release-guarantee', 'demo-agent-pus', 'issuer-role-not-allowed'],
    ['telex-release-guarantee', 'demo-forwarder', 'issuer-not-named-in-payload'],
    ['telex-release-guarantee', 'demo-auditor', 'issuer-role-not-allowed'],
  ] as const)('a %s issued by %s is refused as %s', (kind, issuer, code) => {
    expect(refusalCode(kind, issuer)).toBe(code);
  });

  it('lists every party the payload names as a participant, so each can see the document', () => {
    const state = issued('delivery-order');
    expect(state.participants.map((p) => `${p.role}:${p.partyId}`).sort()).toEqual([
      'carrier-agent:demo-agent-sha',
      'carrier:demo-carrier',
      'consignee:demo-consignee',
      'issuer:demo-agent-sha',
      'pickup-terminal:demo-terminal',
    ]);
  });
});

describe('the telex-release rule', () => {
  const telexPayload = (() => {
    const result = validatePayload(
      'delivery-order',
      exampleWith('delivery-order', { releaseBasis: { type: 'telex-release', guaranteeId: 'doc-telex-release-guarantee' } }),
    );
    if (!result.ok) throw new Error('telex D/O payload invalid');
    return result.value;
  })();
  const accepted = { state: after('telex-release-guarantee', [['accept', 'demo-agent-pus']]), payload: examplePayload('telex-release-guarantee') };

  function check(overrides: Partial<Parameters<typeof checkTelexReleaseBacking>[0]> = {}) {
    return checkTelexReleaseBacking({
      payload: telexPayload,
      issuer: 'demo-agent-sha',
      guarantee: accepted,
      backedDeliveryOrder: undefined,
      ...overrides,
    })?.code;
  }

  it('lets the destination agent issue a D/O on an accepted guarantee for the same B/L', () => {
    expect(check()).toBeUndefined();
    expect(check({ issuer: 'demo-carrier' })).toBeUndefined();
  });

  it('ignores D/Os that are not released by telex', () => {
    expect(check({ payload: examplePayload('delivery-order'), guarantee: undefined })).toBeUndefined();
  });

  it('refuses a missing guarantee, or a document that is not a guarantee', () => {
    expect(check({ guarantee: undefined })).toBe('guarantee-not-found');
    expect(check({ guarantee: { state: issued('eir'), payload: accepted.payload } })).toBe('guarantee-not-found');
  });

  it.each([
    ['submitted', []],
    ['rejected', [['reject', 'demo-agent-pus']]],
    ['withdrawn', [['withdraw', 'demo-shipper']]],
  ] as const)('refuses a %s guarantee', (_status, steps) => {
    expect(check({ guarantee: { state: after('telex-release-guarantee', [...steps]), payload: accepted.payload } })).toBe(
      'guarantee-not-accepted',
    );
  });

  it('refuses a guarantee for another B/L', () => {
    const payload: DeliveryOrderPayload = { ...telexPayload, billOfLadingNumber: 'POCL2611PUS9999' };
    expect(check({ payload })).toBe('guarantee-bl-mismatch');
  });

  it('refuses an issuer the guarantee does not name', () => {
    expect(check({ issuer: 'demo-agent-pus' })).toBe('guarantee-wrong-agent');
  });

  it('when the guarantee already backs a live D/O, then a second one is refused', () => {
    expect(check({ backedDeliveryOrder: { id: 'do-1', status: 'transferred' } })).toBe('guarantee-already-used');
    expect(check({ backedDeliveryOrder: { id: 'do-1', status: 'released' } })).toBe('guarantee-already-used');
  });

  it('when the D/O it backed was voided or is being amended, then the guarantee may back the new one', () => {
    expect(check({ backedDeliveryOrder: { id: 'do-1', status: 'voided' } })).toBeUndefined();
    expect(check({ backedDeliveryOrder: { id: 'do-1', status: 'issued' }, replacing: 'do-1' })).toBeUndefined();
  });
});

describe('who a document may name', () => {
  const rolesOf = (id: string) => roles[id];

  it.each(['delivery-order', 'eir', 'telex-release-guarantee'] as const)('accepts the demo parties the %s example names', (kind) => {
    expect(participantProblems(issued(kind), rolesOf)).toEqual([]);
  });

  it('names the payload field of a party that is unknown or cannot play its part', () => {
    const state = issued('eir');
    const problems = participantProblems(state, (id) => (id === 'demo-haulier-a' ? ['auditor'] : id === 'demo-terminal' ? undefined : roles[id]));
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['payload', 'unknown-party'],
      ['payload.facility.operator.partyId', 'unknown-party'],
      ['payload.haulier.partyId', 'party-role-mismatch'],
    ]);
  });
});
