import type { PartyId, PartyRole } from '../party/party';
import type { Refusal, RefusalCode } from '../shared/errors';
import {
  participantsOf,
  withParticipant,
  type DocumentKind,
  type DocumentState,
  type DocumentStatus,
  type ParticipantRole,
} from './document';

export const actionTypes = [
  'transfer',
  'present',
  'release',
  'reject-presentation',
  'void',
  'amend',
  'gate-record',
  'countersign',
  'expire',
  'accept',
  'reject',
  'withdraw',
] as const;
export type ActionType = (typeof actionTypes)[number];

export function isActionType(value: string): value is ActionType {
  return (actionTypes as readonly string[]).includes(value);
}

/**
 * Events SDX itself records, signed with the service's log key rather than a party's: no party acts,
 * so no party may submit one. `archive-renewed`: the stored PDF gained validation data and a new
 * document timestamp (PAdES B-LTA) before its newest timestamp's certificate expired.
 */
export const systemEventTypes = ['archive-renewed'] as const;
export type SystemEventType = (typeof systemEventTypes)[number];

/** The actor id a system event names (a party id can never sign as it: audits check the log key). */
export const SYSTEM_ACTOR_ID = 'sdx';

export function isSystemEventType(value: string): value is SystemEventType {
  return (systemEventTypes as readonly string[]).includes(value);
}

/** Who acts: a party (with its roles) or SDX itself, for time-driven transitions such as expiry. */
export interface PartyActor {
  partyId: PartyId;
  roles: readonly PartyRole[];
}
export type Actor = PartyActor | { system: true };

/** What an actor holds towards a document; the lifecycle tables are written in these terms. */
export type Relation =
  | 'issuer'
  | 'holder'
  | 'presentee'
  | 'facility-operator'
  | 'haulier'
  | 'addressee'
  | 'destination-agent'
  | 'system';

export interface ActionRequest {
  type: ActionType;
  actor: Actor;
  /** The party an action is aimed at (`transfer` and `present`). */
  target?: PartyActor;
  /** The time of the action, ISO 8601. */
  now: string;
}

export type Effect = { type: 'release-notice'; to: PartyId } | { type: 'supersede' };

export type Decision =
  | { ok: true; next: DocumentState; effects: Effect[] }
  | { ok: false; refusal: Refusal };

type HolderChange = 'keep' | 'target' | 'presentee' | 'issuer' | 'none' | 'destination-agent';

export interface TransitionRule<S extends DocumentStatus> {
  action: ActionType;
  from: readonly S[];
  /** Any one of these relations lets the actor take the action. */
  by: readonly Relation[];
  /** The refusal when the actor holds none of `by`. */
  refusedAs: RefusalCode;
  to: S;
  holder: HolderChange;
  presentedTo?: 'target' | 'clear';
  /** Roles the target party must hold, when the action is aimed at one. */
  targetRoles?: readonly PartyRole[];
  /** A participant role whose party, when the document names one, is the only allowed target. */
  targetMustBe?: ParticipantRole;
  guard?: (state: DocumentState, request: ActionRequest) => Refusal | undefined;
  effects?: (state: DocumentState) => Effect[];
}

export interface LifecycleDefinition<S extends DocumentStatus> {
  kind: DocumentKind;
  final: readonly S[];
  rules: readonly TransitionRule<S>[];
  /** The refusal for any action on a document in a final status. */
  closed: (status: S) => Refusal;
  /** Maps participant roles onto relations used by this kind's rules. */
  relationOf: Partial<Record<ParticipantRole, Relation>>;
}

/**
 * The guard of a document sent to its addressee on another platform: the target must be
 * `<platform>:<party>` with `party` the one the document names as `role` (a local addressee acts
 * on it here without any sending); otherwise `code`.
 */
export function toAddresseeElsewhere(role: ParticipantRole, code: RefusalCode): NonNullable<TransitionRule<DocumentStatus>['guard']> {
  return (state, request) => {
    const [platform, party] = (request.target?.partyId ?? '').split(':');
    if (platform && party && participantsOf(state, role).includes(party)) return undefined;
    return { code, category: 'invalid', message: `this ${state.kind} is sent only to the ${role} it names, on another platform (<platform>:${participantsOf(state, role)[0] ?? role})` };
  };
}

export function refuse(code: RefusalCode, category: Refusal['category'], message: string): Decision {
  return { ok: false, refusal: { code, category, message } };
}

export function relationsOf(
  state: DocumentState,
  actor: Actor,
  relationOf: Partial<Record<ParticipantRole, Relation>>,
): Set<Relation> {
  const relations = new Set<Relation>();
  if ('system' in actor) {
    relations.add('system');
    return relations;
  }
  if (state.issuer === actor.partyId) relations.add('issuer');
  if (state.holder === actor.partyId) relations.add('holder');
  if (state.presentedTo === actor.partyId) relations.add('presentee');
  for (const participant of state.participants) {
    const relation = relationOf[participant.role];
    if (relation && participant.partyId === actor.partyId) relations.add(relation);
  }
  return relations;
}

/**
 * The one decision function: given a document's state and a requested action, the next state or a
 * coded refusal. Checks run from the document outward: is the action known, is the document still
 * open, does its status allow it, may this actor take it, is the target acceptable.
 */
export function decide<S extends DocumentStatus>(
  definition: LifecycleDefinition<S>,
  state: DocumentState,
  request: ActionRequest,
): Decision {
  const status = state.status as S;
  const rules = definition.rules.filter((r) => r.action === request.type);
  if (rules.length === 0) {
    return refuse('unknown-action', 'invalid', `a ${definition.kind} has no "${request.type}" action`);
  }
  // An auditor reads everything and changes nothing, even where a document happens to name it.
  if (!('system' in request.actor) && onlyAuditor(request.actor.roles)) {
    return refuse('read-only-party', 'forbidden', 'an auditor reads documents and changes nothing');
  }
  if (definition.final.includes(status)) return { ok: false, refusal: definition.closed(status) };

  const rule = rules.find((r) => r.from.includes(status));
  if (!rule) {
    const allowed = [...new Set(rules.flatMap((r) => r.from))].join(', ');
    return refuse(
      'invalid-state-transition',
      'conflict',
      `cannot ${request.type} a ${definition.kind} that is ${status}; allowed when ${allowed}`,
    );
  }

  const relations = relationsOf(state, request.actor, definition.relationOf);
  if (!rule.by.some((r) => relations.has(r))) {
    return refuse(rule.refusedAs, 'forbidden', `only the ${rule.by.join(' or ')} may ${request.type} this ${definition.kind}`);
  }

  const targetRefusal = checkTarget(rule, state, request);
  if (targetRefusal) return targetRefusal;
  const guarded = rule.guard?.(state, request);
  if (guarded) return { ok: false, refusal: guarded };

  return { ok: true, next: applyRule(rule, state, request), effects: rule.effects?.(state) ?? [] };
}

function checkTarget<S extends DocumentStatus>(
  rule: TransitionRule<S>,
  state: DocumentState,
  request: ActionRequest,
): Decision | undefined {
  const needsTarget = rule.holder === 'target' || rule.presentedTo === 'target';
  if (!needsTarget) return undefined;
  const target = request.target;
  if (!target) return refuse('target-required', 'invalid', `${request.type} needs a "to" party`);
  if (onlyAuditor(target.roles)) {
    // An auditor can never act, so a document it held would be stuck.
    return refuse('target-role-not-allowed', 'invalid', `${target.partyId} is an auditor and cannot hold a document`);
  }
  if (target.partyId === state.holder) {
    return refuse('target-is-holder', 'invalid', `${target.partyId} already holds this document`);
  }
  if (rule.targetRoles && !target.roles.some((role) => rule.targetRoles?.includes(role))) {
    return refuse(
      'target-role-not-allowed',
      'invalid',
      `${request.type} goes to a party with role ${rule.targetRoles.join(' or ')}; ${target.partyId} has none`,
    );
  }
  if (rule.targetMustBe) {
    const named = participantsOf(state, rule.targetMustBe);
    if (named.length > 0 && !named.includes(target.partyId)) {
      return refuse('wrong-terminal', 'invalid', `this document names ${named.join(', ')} as ${rule.targetMustBe}`);
    }
  }
  return undefined;
}

function applyRule<S extends DocumentStatus>(
  rule: TransitionRule<S>,
  state: DocumentState,
  request: ActionRequest,
): DocumentState {
  const target = request.target?.partyId ?? null;
  const holder = ((): PartyId | null => {
    switch (rule.holder) {
      case 'keep':
        return state.holder;
      case 'target':
        return target;
      case 'presentee':
        return state.presentedTo;
      case 'issuer':
        return state.issuer;
      case 'destination-agent':
        return participantsOf(state, 'destination-agent')[0] ?? null;
      case 'none':
        return null;
    }
  })();
  const presentedTo =
    rule.presentedTo === 'target' ? target : rule.presentedTo === 'clear' ? null : state.presentedTo;

  let participants = state.participants;
  if (target && rule.holder === 'target') participants = withParticipant(participants, { partyId: target, role: 'transferee' });
  if (target && rule.presentedTo === 'target') participants = withParticipant(participants, { partyId: target, role: 'presentee' });

  return { ...state, status: rule.to, holder, presentedTo, participants };
}

function onlyAuditor(roles: readonly PartyRole[]): boolean {
  return roles.length > 0 && roles.every((role) => role === 'auditor');
}

/**
 * A system event on a document: allowed in every status of every kind (an archive is renewed long
 * after a D/O was released), for SDX itself only; it changes neither status nor holder.
 */
export function decideSystemEvent(state: DocumentState, type: SystemEventType, actor: Actor): Decision {
  if (!('system' in actor)) return refuse('system-only', 'forbidden', `only SDX itself records "${type}"; no party may submit it`);
  return { ok: true, next: state, effects: [] };
}
