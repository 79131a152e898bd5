import type { z } from 'zod';
import { deliveryOrderLifecycle } from '../delivery-order/delivery-order.lifecycle';
import { deliveryOrderPayload, type DeliveryOrderPayload } from '../delivery-order/delivery-order.schema';
import { eirLifecycle } from '../eir/eir.lifecycle';
import { eirPayload, type EirPayload } from '../eir/eir.schema';
import type { PartyId, PartyRole } from '../party/party';
import { canonicalHash } from '../shared/canonical-json';
import type { Refusal, ValidationIssue } from '../shared/errors';
import { parseWith, type ParseResult } from '../shared/schema';
import { guaranteeLifecycle } from '../telex-release/telex-release-guarantee.lifecycle';
import {
  telexReleaseGuaranteePayload,
  type TelexReleaseGuaranteePayload,
} from '../telex-release/telex-release-guarantee.schema';
import { signersNamedIn } from './document-signers';
import { withParticipant, type DocumentKind, type DocumentState, type DocumentStatus, type Participant } from './document';
import { decide, type ActionRequest, type Decision, type LifecycleDefinition, type PartyActor } from './lifecycle';

export interface PayloadByKind {
  eir: EirPayload;
  'delivery-order': DeliveryOrderPayload;
  'telex-release-guarantee': TelexReleaseGuaranteePayload;
}

interface KindDefinition<K extends DocumentKind> {
  title: { en: string; zh: string };
  schema: z.ZodType<PayloadByKind[K]>;
  lifecycle: LifecycleDefinition<DocumentStatus>;
  issuerRoles: readonly PartyRole[];
  initialStatus: DocumentStatus;
  /** Parties the payload names that may issue this document. */
  namedIssuers: (payload: PayloadByKind[K]) => PartyId[];
  initialHolder: (payload: PayloadByKind[K]) => PartyId;
  participants: (payload: PayloadByKind[K]) => Participant[];
  validFrom: (payload: PayloadByKind[K]) => string | null;
  validUntil: (payload: PayloadByKind[K]) => string | null;
}

const definitions: { [K in DocumentKind]: KindDefinition<K> } = {
  'delivery-order': {
    title: { en: 'Delivery Order', zh: '提货单' },
    schema: deliveryOrderPayload,
    lifecycle: deliveryOrderLifecycle as LifecycleDefinition<DocumentStatus>,
    issuerRoles: ['carrier', 'carrier-agent'],
    initialStatus: 'issued',
    namedIssuers: (p) => signersNamedIn('delivery-order', p)?.issuer ?? [],
    initialHolder: (p) => p.consignee.partyId,
    participants: (p) => [
      { partyId: p.carrier.partyId, role: 'carrier' },
      ...(p.carrierAgent ? [{ partyId: p.carrierAgent.partyId, role: 'carrier-agent' } as const] : []),
      { partyId: p.consignee.partyId, role: 'consignee' },
      { partyId: p.pickupTerminal.partyId, role: 'pickup-terminal' },
    ],
    validFrom: () => null,
    validUntil: (p) => p.validUntil,
  },
  eir: {
    title: { en: 'Equipment Interchange Receipt', zh: '设备交接单' },
    schema: eirPayload,
    lifecycle: eirLifecycle as LifecycleDefinition<DocumentStatus>,
    issuerRoles: ['terminal', 'depot', 'carrier'],
    initialStatus: 'issued',
    namedIssuers: (p) => signersNamedIn('eir', p)?.issuer ?? [],
    initialHolder: (p) => p.haulier.partyId,
    participants: (p) => [
      { partyId: p.facility.operator.partyId, role: 'facility-operator' },
      { partyId: p.haulier.partyId, role: 'haulier' },
      ...(p.container.operator.partyId ? [{ partyId: p.container.operator.partyId, role: 'carrier' } as const] : []),
    ],
    validFrom: (p) => p.validFrom,
    validUntil: (p) => p.validUntil,
  },
  'telex-release-guarantee': {
    title: { en: 'Telex Release Guarantee', zh: '电放保函' },
    schema: telexReleaseGuaranteePayload,
    lifecycle: guaranteeLifecycle as LifecycleDefinition<DocumentStatus>,
    issuerRoles: ['shipper', 'forwarder'],
    initialStatus: 'submitted',
    namedIssuers: (p) => signersNamedIn('telex-release-guarantee', p)?.issuer ?? [],
    initialHolder: (p) => p.carrierAgent.partyId,
    participants: (p) => [
      { partyId: p.shipper.partyId, role: 'shipper' },
      ...(p.forwarder ? [{ partyId: p.forwarder.partyId, role: 'forwarder' } as const] : []),
      ...(p.carrier.partyId ? [{ partyId: p.carrier.partyId, role: 'carrier' } as const] : []),
      { partyId: p.carrierAgent.partyId, role: 'carrier-agent' },
      { partyId: p.destinationAgent.partyId, role: 'destination-agent' },
    ],
    validFrom: () => null,
    validUntil: () => null,
  },
};

export function kindTitle(kind: DocumentKind): { en: string; zh: string } {
  return definitions[kind].title;
}

export function validatePayload<K extends DocumentKind>(kind: K, input: unknown): ParseResult<PayloadByKind[K]> {
  return parseWith(definitions[kind].schema, input);
}

export interface IssueRequest<K extends DocumentKind> {
  id: string;
  kind: K;
  payload: PayloadByKind[K];
  issuer: PartyActor;
  version?: number;
  supersedes?: string;
  /** An amendment's new version stays with whoever held the one it supersedes. */
  holder?: PartyId | null;
}

/** The first state of a document, or why this party may not issue it. */
export function decideIssue<K extends DocumentKind>(
  request: IssueRequest<K>,
): { ok: true; state: DocumentState } | { ok: false; refusal: Refusal } {
  const definition: KindDefinition<K> = definitions[request.kind];
  const { issuer, payload } = request;
  if (!issuer.roles.some((role) => definition.issuerRoles.includes(role))) {
    return {
      ok: false,
      refusal: {
        code: 'issuer-role-not-allowed',
        category: 'forbidden',
        message: `a ${request.kind} is issued by a party with role ${definition.issuerRoles.join(' or ')}`,
      },
    };
  }
  const named = definition.namedIssuers(payload);
  if (!named.includes(issuer.partyId)) {
    return {
      ok: false,
      refusal: {
        code: 'issuer-not-named-in-payload',
        category: 'forbidden',
        message: `the issuer ${issuer.partyId} must be named in the payload as ${named.join(' or ')}`,
      },
    };
  }
  let participants: Participant[] = [{ partyId: issuer.partyId, role: 'issuer' }, ...definition.participants(payload)];
  let holder = definition.initialHolder(payload);
  if (request.holder !== undefined && request.holder !== null && request.holder !== holder) {
    // The holder must still see and act on the new version.
    holder = request.holder;
    participants = withParticipant(participants, { partyId: holder, role: 'transferee' });
  }
  const releaseBasis = request.kind === 'delivery-order' ? (payload as DeliveryOrderPayload).releaseBasis : undefined;
  return {
    ok: true,
    state: {
      id: request.id,
      kind: request.kind,
      version: request.version ?? 1,
      status: definition.initialStatus,
      issuer: issuer.partyId,
      holder,
      presentedTo: null,
      participants,
      payloadHash: canonicalHash(payload),
      validFrom: definition.validFrom(payload),
      validUntil: definition.validUntil(payload),
      supersedes: request.supersedes ?? null,
      supersededBy: null,
      guaranteeId: releaseBasis?.type === 'telex-release' ? releaseBasis.guaranteeId : null,
      backsDeliveryOrder: null,
    },
  };
}

/**
 * Applies one lifecycle action to a document of any kind. A document whose holder is a party of
 * another platform (`<platform>:<party>`) was handed over there: nobody here acts on it any more.
 */
export function decideAction(state: DocumentState, request: ActionRequest): Decision {
  if (state.holder !== null && isRemoteParty(state.holder)) {
    return { ok: false, refusal: { code: 'held-elsewhere', category: 'conflict', message: `this document was transferred to ${state.holder} on another platform` } };
  }
  return decide(definitions[state.kind].lifecycle, state, request);
}

/** A party id with a platform prefix: a party of another platform. */
export function isRemoteParty(partyId: string): boolean {
  return partyId.includes(':');
}

/**
 * The state of a document received from another platform: issued there by `issuer`
 * (`<platform>:<party>`), now held here by `holder`, after `status` (the status it had when sent).
 * The payload's parties keep their ids; those this platform also knows take part here.
 */
export function receivedState(input: { id: string; kind: DocumentKind; payload: unknown; issuer: string; holder: PartyId; status: DocumentStatus }): DocumentState | undefined {
  const parsed = validatePayload(input.kind, input.payload);
  if (!parsed.ok) return undefined;
  const definition = definitions[input.kind] as KindDefinition<DocumentKind>;
  const payload = parsed.value as PayloadByKind[DocumentKind];
  const releaseBasis = input.kind === 'delivery-order' ? (payload as DeliveryOrderPayload).releaseBasis : undefined;
  return {
    id: input.id,
    kind: input.kind,
    version: 1,
    status: input.status,
    issuer: input.issuer,
    holder: input.holder,
    presentedTo: null,
    participants: withParticipant([{ partyId: input.issuer, role: 'issuer' }, ...definition.participants(payload)], { partyId: input.holder, role: 'transferee' }),
    payloadHash: canonicalHash(payload),
    validFrom: definition.validFrom(payload),
    validUntil: definition.validUntil(payload),
    supersedes: null,
    supersededBy: null,
    guaranteeId: releaseBasis?.type === 'telex-release' ? releaseBasis.guaranteeId : null,
    backsDeliveryOrder: null,
  };
}

/**
 * Cross-platform passage by kind: whom a document arriving from another platform may be handed to
 * (any party for a D/O, which circulates; the carrier's agent a guarantee names; the facility an EIR
 * names) and the status it arrives in (a D/O `transferred`; a guarantee or EIR as issued, to be
 * decided or used there).
 */
const addresseeElsewhere: Record<DocumentKind, Participant['role'] | undefined> = { 'delivery-order': undefined, 'telex-release-guarantee': 'carrier-agent', eir: 'facility-operator' };

export function mayArriveFor(kind: DocumentKind, payload: unknown, party: PartyId): boolean {
  const role = addresseeElsewhere[kind];
  const parsed = validatePayload(kind, payload);
  if (!parsed.ok) return false;
  const definition = definitions[kind] as KindDefinition<DocumentKind>;
  return role === undefined || definition.participants(parsed.value as PayloadByKind[DocumentKind]).some((p) => p.role === role && p.partyId === party);
}

export function arrivalStatus(kind: DocumentKind): DocumentStatus {
  return kind === 'delivery-order' ? 'transferred' : definitions[kind].initialStatus;
}

/** The parties a validated payload names that may issue it (the carrier or its agent, the shipper or forwarder, the facility or container operator). */
export function namedIssuersOf<K extends DocumentKind>(kind: K, payload: PayloadByKind[K]): PartyId[] {
  const definition: KindDefinition<K> = definitions[kind];
  return definition.namedIssuers(payload);
}

/** The kind whose payload schema `payload` meets (each is strict, so at most one does). */
export function kindOfPayload(payload: unknown): DocumentKind | undefined {
  return (Object.keys(definitions) as DocumentKind[]).find((kind) => validatePayload(kind, payload).ok);
}

/** The party roles a document may name in each participant role, and where the payload names it. */
const participantRequirements: Partial<Record<Participant['role'], { roles: readonly PartyRole[]; path: Record<DocumentKind, string> }>> = {
  carrier: { roles: ['carrier'], path: { 'delivery-order': 'carrier', eir: 'container.operator', 'telex-release-guarantee': 'carrier' } },
  'carrier-agent': { roles: ['carrier-agent', 'carrier'], path: { 'delivery-order': 'carrierAgent', eir: '', 'telex-release-guarantee': 'carrierAgent' } },
  'destination-agent': { roles: ['carrier-agent', 'carrier'], path: { 'delivery-order': '', eir: '', 'telex-release-guarantee': 'destinationAgent' } },
  'pickup-terminal': { roles: ['terminal'], path: { 'delivery-order': 'pickupTerminal', eir: '', 'telex-release-guarantee': '' } },
  'facility-operator': { roles: ['terminal', 'depot'], path: { 'delivery-order': '', eir: 'facility.operator', 'telex-release-guarantee': '' } },
  haulier: { roles: ['haulier'], path: { 'delivery-order': '', eir: 'haulier', 'telex-release-guarantee': '' } },
  shipper: { roles: ['shipper'], path: { 'delivery-order': '', eir: '', 'telex-release-guarantee': 'shipper' } },
  forwarder: { roles: ['forwarder'], path: { 'delivery-order': '', eir: '', 'telex-release-guarantee': 'forwarder' } },
};

/**
 * Checks that every party a new document names exists and may play the part it is named for (an
 * EIR's haulier is a haulier, a D/O's pickup terminal a terminal). `rolesOf` answers undefined for
 * an unknown party.
 */
export function participantProblems(
  state: Pick<DocumentState, 'kind' | 'participants'>,
  rolesOf: (partyId: PartyId) => readonly PartyRole[] | undefined,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const { partyId, role } of state.participants) {
    const requirement = participantRequirements[role];
    const path = requirement?.path[state.kind] ? `payload.${requirement.path[state.kind]}.partyId` : 'payload';
    const roles = rolesOf(partyId);
    if (!roles) {
      issues.push({ path, code: 'unknown-party', message: `the ${role} ${partyId} is not a party of this exchange` });
    } else if (requirement && !roles.some((r) => requirement.roles.includes(r))) {
      issues.push({
        path,
        code: 'party-role-mismatch',
        message: `${partyId} cannot be named as ${role}: it needs the role ${requirement.roles.join(' or ')}`,
      });
    }
  }
  return issues;
}

