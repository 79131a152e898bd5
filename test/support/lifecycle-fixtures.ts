import type { DocumentKind, DocumentState } from '../../src/domain/document/document';
import { decideAction, decideIssue } from '../../src/domain/document/document-kinds';
import type { ActionRequest, ActionType, PartyActor } from '../../src/domain/document/lifecycle';
import type { PartyRole } from '../../src/domain/party/party';
import { examplePayload } from './examples';

/** The demo parties' roles, as the example payloads name them. */
export const roles: Record<string, readonly PartyRole[]> = {
  'demo-carrier': ['carrier'],
  'demo-agent-sha': ['carrier-agent'],
  'demo-agent-pus': ['carrier-agent'],
  'demo-terminal': ['terminal'],
  'other-terminal': ['terminal'],
  'demo-depot': ['depot'],
  'demo-haulier-a': ['haulier'],
  'demo-haulier-b': ['haulier'],
  'demo-consignee': ['consignee'],
  'demo-shipper': ['shipper'],
  'demo-forwarder': ['forwarder', 'customs-broker'],
  'demo-auditor': ['auditor'],
};

export const NOW = '2026-11-28T10:00:00+08:00';

export function party(id: string): PartyActor {
  const partyRoles = roles[id];
  if (!partyRoles) throw new Error(`unknown test party ${id}`);
  return { partyId: id, roles: partyRoles };
}

const issuers: Record<DocumentKind, string> = {
  'delivery-order': 'demo-agent-sha',
  eir: 'demo-terminal',
  'telex-release-guarantee': 'demo-shipper',
};

export function issued(kind: DocumentKind): DocumentState {
  const decision = decideIssue({ id: `doc-${kind}`, kind, payload: examplePayload(kind), issuer: party(issuers[kind]) });
  if (!decision.ok) throw new Error(`cannot issue example ${kind}: ${decision.refusal.message}`);
  return decision.state;
}

export type Step = readonly [action: ActionType, actor: string, target?: string];

export function request(step: Step, now = NOW): ActionRequest {
  const [type, actor, target] = step;
  return {
    type,
    actor: actor === 'system' ? { system: true } : party(actor),
    ...(target ? { target: party(target) } : {}),
    now,
  };
}

/** The state reached from a freshly issued document by taking each step in turn. */
export function after(kind: DocumentKind, steps: readonly Step[]): DocumentState {
  return steps.reduce((state, step) => {
    const decision = decideAction(state, request(step));
    if (!decision.ok) throw new Error(`step ${step.join(' ')} refused: ${decision.refusal.code}`);
    return decision.next;
  }, issued(kind));
}
