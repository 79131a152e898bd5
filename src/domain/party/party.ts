import { z } from 'zod';
import { partyId, plainString, scac, text, unifiedSocialCreditCode, unLocode } from '../shared/schema';

export const partyRoles = [
  'carrier',
  'carrier-agent',
  'terminal',
  'depot',
  'haulier',
  'consignee',
  'shipper',
  'forwarder',
  'customs-broker',
  'auditor',
] as const;

export type PartyRole = (typeof partyRoles)[number];

/** An organisation taking part in SDX. Every action is taken on behalf of one. */
export const partySchema = z.strictObject({
  id: partyId,
  name: z.strictObject({ en: text(), zh: text().optional() }),
  roles: z.array(z.enum(partyRoles)).min(1).max(partyRoles.length),
  identifiers: z
    .strictObject({
      unifiedSocialCreditCode: unifiedSocialCreditCode.optional(),
      scac: scac.optional(),
      customsCode: plainString('line', { identifier: true }).regex(/^[0-9A-Z]{10}$/, 'must be a 10-character customs registration code').optional(),
      /** Where a terminal or depot is (UN/LOCODE): what a D/O or EIR naming it says as its location. */
      unLocode: unLocode.optional(),
    })
    .default({}),
});

export type Party = z.infer<typeof partySchema>;
export type PartyId = Party['id'];

export function hasRole(party: Pick<Party, 'roles'>, ...roles: PartyRole[]): boolean {
  return party.roles.some((role) => roles.includes(role));
}
