import type { Party, PartyRole } from '../../../domain/party/party';
import { SYSTEM_ACTOR_ID } from '../../../domain/document/lifecycle';
import { t, type Lang } from '../i18n';

/** The exchange's parties, for the desk's pickers and for naming a party on a document as the store has it. */
export class PartyBook {
  private readonly byId: Map<string, Party>;

  constructor(parties: readonly Party[]) {
    this.byId = new Map(parties.map((party) => [party.id, party]));
  }

  get(id: string | null | undefined): Party | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  withRole(...roles: PartyRole[]): Party[] {
    return [...this.byId.values()].filter((party) => party.roles.some((role) => roles.includes(role)));
  }

  nameOf(lang: Lang, id: string | null | undefined): string {
    const party = this.get(id);
    if (!party) return id === SYSTEM_ACTOR_ID ? t(lang, 'systemActor') : id ?? '—';
    return lang === 'en' ? party.name.en : party.name.zh ?? party.name.en;
  }

  /**
   * A party as a payload names it (`participantRef`): its id, names and identifiers from the
   * register. An id the register does not know is kept, so the exchange's own check names it.
   */
  reference(id: string | undefined): Record<string, string> | undefined {
    if (!id) return undefined;
    const party = this.byId.get(id);
    if (!party) return { partyId: id, name: id };
    return {
      partyId: party.id,
      name: party.name.en,
      ...(party.name.zh ? { nameZh: party.name.zh } : {}),
      ...(party.identifiers.unifiedSocialCreditCode ? { unifiedSocialCreditCode: party.identifiers.unifiedSocialCreditCode } : {}),
      ...(party.identifiers.scac ? { scac: party.identifiers.scac } : {}),
    };
  }
}
