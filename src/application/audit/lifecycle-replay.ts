import { checkTelexReleaseBacking } from '../../domain/delivery-order/release-basis.rule';
import type { DeliveryOrderPayload } from '../../domain/delivery-order/delivery-order.schema';
import { deliveryOrderStatuses, eirStatuses, guaranteeStatuses, isDocumentKind, withParticipant, type DocumentState } from '../../domain/document/document';
import { chainIssuer } from '../../domain/federation/pint-envelope';
import { arrivalStatus, decideAction, decideIssue, isRemoteParty, receivedState, validatePayload } from '../../domain/document/document-kinds';
import { noticeEventTypes, outcomeOfEvent } from '../../domain/federation/peer-notices';
import { decideSystemEvent, isActionType, isSystemEventType, SYSTEM_ACTOR_ID, type ActionRequest, type Actor, type Effect, type PartyActor } from '../../domain/document/lifecycle';
import type { PartyRole } from '../../domain/party/party';
import { canonicalHash } from '../../domain/shared/canonical-json';
import type { RefusalCode } from '../../domain/shared/errors';
import type { TelexReleaseGuaranteePayload } from '../../domain/telex-release/telex-release-guarantee.schema';
import type { EventBody } from '../events/signed-event';

/** A party as a bundle lists it: what the exchange says it may do. */
export interface PartyRoles {
  id: string;
  roles: PartyRole[];
}

/**
 * Why an event breaks the rules (stable codes):
 * - `event-breaks-lifecycle`: the domain refuses it (`rule` names the refusal, e.g. already-released);
 * - `event-type-unknown`, `document-kind-unknown`, `event-kind-mismatch`: not a kind or event SDX knows;
 * - `document-not-issued`: the document's first event is not its issue;
 * - `payload-missing`, `payload-invalid`, `payload-hash-mismatch`: the issued payload, as the bundle
 *   carries it, is absent, not a valid payload of its kind, or not the one the events sign;
 * - `party-unknown`: an actor or target the exchange's party list does not name;
 * - `effect-missing`, `effect-unexpected`: an event an action implies (a release notice) is absent,
 *   or an effect event no action implies.
 */
export type RuleProblemCode =
  | 'event-breaks-lifecycle'
  | 'event-type-unknown'
  | 'document-kind-unknown'
  | 'event-kind-mismatch'
  | 'document-not-issued'
  | 'payload-missing'
  | 'payload-invalid'
  | 'payload-hash-mismatch'
  | 'party-unknown'
  | 'effect-missing'
  | 'effect-unexpected';

export interface RuleProblem {
  code: RuleProblemCode;
  /** For `event-breaks-lifecycle`: the domain's refusal code. */
  rule?: RefusalCode;
  message: string;
}

interface Replayed {
  state: DocumentState;
  /** Events the last action implies and that must come next (release notices). */
  pending: Effect[];
  /** A guarantee's payload, for the telex-release rule of a D/O issued on it later. */
  guarantee?: TelexReleaseGuaranteePayload;
  /** The holder just before an amendment, which the new version keeps. */
  holderBeforeAmend?: string | null;
}

/**
 * Replays each document's signed events through the domain's own lifecycle (decideIssue,
 * decideAction, the telex-release rule), as the service decided them, and says which event the
 * rules would have refused. Events must come in log order with their document's seq in order; an
 * event the rules refuse leaves the state as it was, so a double release is refused twice over.
 */
export class LifecycleReplay {
  private readonly roles: Map<string, readonly PartyRole[]>;
  private readonly documents = new Map<string, Replayed | 'unknown'>();

  constructor(parties: readonly PartyRoles[]) {
    this.roles = new Map(parties.map((p) => [p.id, p.roles]));
  }

  /** The problems with one event, in the document's order; `payload` is the bundle's copy for an issue. */
  next(body: EventBody, payload: unknown): RuleProblem[] {
    const known = this.documents.get(body.documentId);
    if (known === 'unknown') return [];
    if (!isDocumentKind(String(body.kind))) {
      this.documents.set(body.documentId, 'unknown');
      return [{ code: 'document-kind-unknown', message: `"${String(body.kind)}" is not a document kind SDX knows` }];
    }
    if (!known) return this.issue(body, payload);
    const problems = this.effects(known, body);
    if (problems !== undefined) return problems;
    if (body.kind !== known.state.kind) {
      return [{ code: 'event-kind-mismatch', message: `the event is signed as a ${body.kind} but the document was issued as a ${known.state.kind}` }];
    }
    const missing = this.pendingProblem(known);
    const found = body.payloadHash === known.state.payloadHash ? [] : [hashMismatch(body.payloadHash, known.state.payloadHash)];
    if (body.type === 'backing-recorded') return [...missing, ...found, ...this.backing(known, body)];
    if (isSystemEventType(body.type)) {
      // The audit has checked that a system event is signed by the log key; the rules say where it may go.
      const actor: Actor = body.actor.partyId === SYSTEM_ACTOR_ID ? { system: true } : { partyId: body.actor.partyId, roles: this.roles.get(body.actor.partyId) ?? [] };
      const decision = decideSystemEvent(known.state, body.type, actor);
      if (!decision.ok) return [...missing, ...found, { code: 'event-breaks-lifecycle', rule: decision.refusal.code, message: `${decision.refusal.code}: ${decision.refusal.message}` }];
      known.state = decision.next;
      return [...missing, ...found];
    }
    const federated = this.federated(known, body);
    if (federated !== undefined) return [...missing, ...found, ...federated];
    if (!isActionType(body.type)) {
      return [...missing, { code: 'event-type-unknown', message: `"${body.type}" is not an event type of a ${known.state.kind}` }];
    }
    const actor = this.actor(body.actor.partyId);
    const to = typeof body.data['to'] === 'string' ? body.data['to'] : undefined;
    // A party of another platform (`<platform>:<party>`) is not in this exchange's list; the service takes it with no roles.
    const target = to === undefined ? undefined : isRemoteParty(to) ? { partyId: to, roles: [] } : this.actor(to);
    if (!actor || (to !== undefined && !target)) return [...missing, ...found, unknownParty(actor ? to : body.actor.partyId)];
    const request: ActionRequest = { type: body.type, actor, now: body.at, ...(target ? { target } : {}) };
    const decision = decideAction(known.state, request);
    if (!decision.ok) {
      return [...missing, ...found, { code: 'event-breaks-lifecycle', rule: decision.refusal.code, message: `${decision.refusal.code}: ${decision.refusal.message}` }];
    }
    if (body.type === 'amend') known.holderBeforeAmend = known.state.holder;
    known.state = decision.next;
    known.pending = decision.effects.filter((e) => e.type === 'release-notice');
    return [...missing, ...found];
  }

  /** Documents whose last action's effect events never came. */
  finish(): { documentId: string; problem: RuleProblem }[] {
    const out: { documentId: string; problem: RuleProblem }[] = [];
    for (const [documentId, replayed] of this.documents) {
      if (replayed !== 'unknown' && replayed.pending.length > 0) out.push({ documentId, problem: this.pendingProblem(replayed)[0] as RuleProblem });
    }
    return out;
  }

  private issue(body: EventBody, payload: unknown): RuleProblem[] {
    this.documents.set(body.documentId, 'unknown');
    if (body.type === 'transfer-in' && body.seq === 1) return this.received(body, payload);
    if (body.type !== 'issue' || body.seq !== 1) {
      return [{ code: 'document-not-issued', message: `the document's first event is "${body.type}", not its issue` }];
    }
    if (!isDocumentKind(body.kind)) return [];
    if (payload === undefined) return [{ code: 'payload-missing', message: 'the bundle carries no payload for this document, so its rules cannot be checked' }];
    const parsed = validatePayload(body.kind, payload);
    if (!parsed.ok) {
      const first = parsed.issues[0];
      return [{ code: 'payload-invalid', message: `the payload is not a valid ${body.kind}${first ? `: ${first.path || '(root)'}: ${first.message}` : ''}` }];
    }
    const hash = canonicalHash(parsed.value);
    if (hash !== body.payloadHash) return [hashMismatch(body.payloadHash, hash)];
    const issuer = this.actor(body.actor.partyId);
    if (!issuer) return [unknownParty(body.actor.partyId)];
    const supersedes = typeof body.data['supersedes'] === 'string' ? body.data['supersedes'] : undefined;
    const predecessor = supersedes === undefined ? undefined : this.documents.get(supersedes);
    const version = typeof body.data['version'] === 'number' ? body.data['version'] : undefined;
    const decision = decideIssue({
      id: body.documentId,
      kind: body.kind,
      payload: parsed.value,
      issuer,
      ...(version !== undefined ? { version } : {}),
      ...(supersedes !== undefined ? { supersedes } : {}),
      ...(predecessor && predecessor !== 'unknown' && predecessor.holderBeforeAmend !== undefined ? { holder: predecessor.holderBeforeAmend } : {}),
    });
    if (!decision.ok) return [{ code: 'event-breaks-lifecycle', rule: decision.refusal.code, message: `${decision.refusal.code}: ${decision.refusal.message}` }];
    const problems: RuleProblem[] = [];
    if (supersedes !== undefined) {
      // Only an amendment of the document it names issues a new version of it, once.
      if (!predecessor || predecessor === 'unknown' || predecessor.state.status !== 'superseded' || predecessor.state.supersededBy !== null) {
        problems.push({ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', message: `issued as a new version of ${supersedes}, which was not just amended` });
      } else {
        predecessor.state = { ...predecessor.state, supersededBy: body.documentId };
      }
    }
    const replayed: Replayed = { state: decision.state, pending: [] };
    if (body.kind === 'telex-release-guarantee') replayed.guarantee = parsed.value as TelexReleaseGuaranteePayload;
    this.documents.set(body.documentId, replayed);
    if (body.kind === 'delivery-order') problems.push(...this.telexRule(replayed, parsed.value as DeliveryOrderPayload));
    return problems;
  }

  /** A document that arrived from another platform: its state as the service recorded it, from the payload and the chain the event keeps. */
  private received(body: EventBody, payload: unknown): RuleProblem[] {
    if (!isDocumentKind(body.kind)) return [];
    if (payload === undefined) return [{ code: 'payload-missing', message: 'the bundle carries no payload for this document, so its rules cannot be checked' }];
    const parsed = validatePayload(body.kind, payload);
    if (!parsed.ok) return [{ code: 'payload-invalid', message: `the payload is not a valid ${body.kind}` }];
    const hash = canonicalHash(parsed.value);
    if (hash !== body.payloadHash) return [hashMismatch(body.payloadHash, hash)];
    const holder = this.actor(body.actor.partyId);
    if (!holder) return [unknownParty(body.actor.partyId)];
    const chain = body.data['chain'];
    const issuer = Array.isArray(chain) ? chainIssuer(chain.filter((e): e is string => typeof e === 'string')) : undefined;
    const state = issuer === undefined ? undefined : receivedState({ id: body.documentId, kind: body.kind, payload: parsed.value, issuer, holder: holder.partyId, status: arrivalStatus(body.kind) });
    if (!state) return [{ code: 'document-not-issued', message: 'the document arrived without a transfer chain that starts with its issue' }];
    this.documents.set(body.documentId, { state, pending: [] });
    return [];
  }

  /**
   * Events of a document's passage to and from other platforms: it comes back (`transfer-in`), the
   * other platform took it (`transferred-out`), refused it (`transfer-refused`: back to the holder
   * that sent it) or told what happened to it there (`released-elsewhere` and the other notice
   * events). All but the first need it to be held there.
   */
  private federated(replayed: Replayed, body: EventBody): RuleProblem[] | undefined {
    if (!['transfer-in', 'transferred-out', 'transfer-refused', ...noticeEventTypes].includes(body.type)) return undefined;
    const state = replayed.state;
    if (state.holder === null || !isRemoteParty(state.holder)) {
      return [{ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', message: `a ${body.type} event while the document is held here` }];
    }
    if (body.type === 'transfer-in') {
      const holder = this.actor(body.actor.partyId);
      if (!holder) return [unknownParty(body.actor.partyId)];
      replayed.state = { ...state, status: 'transferred', holder: holder.partyId, participants: withParticipant(state.participants, { partyId: holder.partyId, role: 'transferee' }) };
    } else if (body.type === 'transfer-refused') {
      const back = body.data['returnTo'] as { holder?: unknown; status?: unknown } | undefined;
      if (typeof back?.holder !== 'string' || typeof back.status !== 'string' || ![...deliveryOrderStatuses, ...eirStatuses, ...guaranteeStatuses].includes(back.status as DocumentState['status'])) {
        return [{ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', message: 'a refused transfer that does not say whom the document returned to' }];
      }
      replayed.state = { ...state, holder: back.holder, status: back.status as DocumentState['status'] };
    } else if (body.type !== 'transferred-out') {
      const outcome = outcomeOfEvent(body.type);
      if (outcome?.kind !== state.kind) return [{ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', message: `a ${body.type} event on a ${state.kind}` }];
      replayed.state = { ...state, status: outcome.status };
    }
    return [];
  }

  /** The cross-document rule a telex-release D/O is issued under, against the replayed guarantee. */
  private telexRule(replayed: Replayed, payload: DeliveryOrderPayload): RuleProblem[] {
    if (payload.releaseBasis.type !== 'telex-release') return [];
    const found = this.documents.get(payload.releaseBasis.guaranteeId);
    const guarantee = found && found !== 'unknown' && found.guarantee ? { state: found.state, payload: found.guarantee } : undefined;
    const backedId = guarantee?.state.backsDeliveryOrder ?? null;
    const backed = backedId === null ? undefined : this.documents.get(backedId);
    const refusal = checkTelexReleaseBacking({
      payload,
      issuer: replayed.state.issuer,
      guarantee,
      backedDeliveryOrder: backed && backed !== 'unknown' ? backed.state : undefined,
      ...(replayed.state.supersedes ? { replacing: replayed.state.supersedes } : {}),
    });
    return refusal ? [{ code: 'event-breaks-lifecycle', rule: refusal.code, message: `${refusal.code}: ${refusal.message}` }] : [];
  }

  /** A guarantee's record of the D/O it now backs: only for a D/O issued on it. */
  private backing(guarantee: Replayed, body: EventBody): RuleProblem[] {
    const deliveryOrderId = body.data['deliveryOrderId'];
    const backed = typeof deliveryOrderId === 'string' ? this.documents.get(deliveryOrderId) : undefined;
    const basis = backed && backed !== 'unknown' && backed.state.kind === 'delivery-order' ? backed.state.guaranteeId : null;
    if (basis !== guarantee.state.id) {
      return [{ code: 'effect-unexpected', message: `records backing ${String(deliveryOrderId)}, which is no D/O issued on this guarantee` }];
    }
    guarantee.state = { ...guarantee.state, backsDeliveryOrder: deliveryOrderId as string };
    return [];
  }

  /** An effect event (a release notice): the one the last action implies, or unexpected. */
  private effects(replayed: Replayed, body: EventBody): RuleProblem[] | undefined {
    if (body.type !== 'release-notice') return undefined;
    const [expected, ...rest] = replayed.pending;
    if (!expected || expected.type !== 'release-notice' || body.data['to'] !== expected.to) {
      return [{ code: 'effect-unexpected', message: `a release notice to ${String(body.data['to'])} that no acceptance implies` }];
    }
    replayed.pending = rest;
    return [];
  }

  private pendingProblem(replayed: Replayed): RuleProblem[] {
    if (replayed.pending.length === 0) return [];
    const to = replayed.pending.map((e) => (e.type === 'release-notice' ? e.to : e.type)).join(', ');
    replayed.pending = [];
    return [{ code: 'effect-missing', message: `the release notice to ${to} that the acceptance implies is missing` }];
  }

  private actor(partyId: string): PartyActor | undefined {
    const roles = this.roles.get(partyId);
    return roles ? { partyId, roles } : undefined;
  }
}

const hashMismatch = (signed: string, actual: string): RuleProblem => ({
  code: 'payload-hash-mismatch',
  message: `the event signs payload hash ${signed}, but the document's payload hashes to ${actual}`,
});

const unknownParty = (partyId: string | undefined): RuleProblem => ({
  code: 'party-unknown',
  message: `${String(partyId)} is not in the exchange's party list`,
});
