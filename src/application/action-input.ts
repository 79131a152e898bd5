import { z } from 'zod';
import { gateRecord } from '../domain/eir/eir.schema';
import { parsePartyAddress } from '../domain/federation/platform-address';
import { partyId, plainString, text } from '../domain/shared/schema';

/** A party here (its id) or on a peer platform (`<platform>:<party>`). */
const partyAddress = plainString('line', { identifier: true }).max(70).refine((to) => parsePartyAddress(to) !== undefined, 'must be a party id, or <platform>:<party> for a party on another platform');

/** The body of `POST /documents/:id/events`: one lifecycle action and what it needs. */
export const actionInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('transfer'), to: partyAddress }),
  z.strictObject({ type: z.literal('present'), to: partyId }),
  z.strictObject({ type: z.literal('release') }),
  z.strictObject({ type: z.literal('reject-presentation'), reason: text(500, 'lines') }),
  z.strictObject({ type: z.literal('void'), reason: text(500, 'lines') }),
  z.strictObject({ type: z.literal('amend'), payload: z.unknown(), reason: text(500, 'lines') }),
  z.strictObject({ type: z.literal('gate-record'), gateRecord }),
  z.strictObject({ type: z.literal('countersign') }),
  z.strictObject({ type: z.literal('accept') }),
  z.strictObject({ type: z.literal('reject'), reason: text(500, 'lines') }),
  z.strictObject({ type: z.literal('withdraw'), reason: text(500, 'lines').optional() }),
]);

export type ActionInput = z.infer<typeof actionInput>;
