import type { ActionCode, PintParty, Transaction } from './pint-envelope';

/**
 * SDX events as PINT transactions. PINT records possession changes (ISSUE, TRANSFER) and an eBL's
 * endorsements and surrenders; a D/O's present, release and rejected presentation, an EIR's gate
 * record and countersignature, and a guarantee's decisions have no PINT action code. Those are not
 * turned into look-alike transactions: they travel as SDX's own signed events (a later step).
 */
const actionCodeByEvent: Readonly<Record<string, ActionCode>> = { issue: 'ISSUE', transfer: 'TRANSFER' };

export function pintActionCodeOf(eventType: string): ActionCode | undefined {
  return Object.hasOwn(actionCodeByEvent, eventType) ? actionCodeByEvent[eventType] : undefined;
}

/** One event of a document's history, with the parties as PINT names them. */
export interface HistoryStep {
  type: string;
  actor: PintParty;
  /** Who holds the document after it: the ISSUE's first holder, the TRANSFER's new holder. */
  recipient?: PintParty;
  /** ISO 8601 in UTC. */
  at: string;
}

/**
 * The PINT transactions of a history, in order: only events with a PINT action code, each with its
 * recipient, `actionDateTime` in UTC with milliseconds as PINT asks. A possession change without a
 * recipient cannot be told to a peer and is refused.
 */
export function pintTransactionsOf(history: readonly HistoryStep[]): Transaction[] {
  return history.flatMap((step) => {
    const actionCode = pintActionCodeOf(step.type);
    if (!actionCode) return [];
    if (!step.recipient) throw new Error(`a ${step.type} event must name who holds the document after it`);
    const at = new Date(step.at);
    if (Number.isNaN(at.getTime())) throw new Error(`${step.at} is not a time`);
    return [{ actionCode, actor: step.actor, recipient: step.recipient, actionDateTime: at.toISOString() }];
  });
}
