import type { DeliveryOrderPayload } from '../../domain/delivery-order/delivery-order.schema';
import type { EirPayload, GateRecord } from '../../domain/eir/eir.schema';
import type { Party } from '../../domain/party/party';
import { SdxError, ValidationError } from '../../domain/shared/errors';
import type { Caller, DocumentService } from '../document-service';
import { openEvent } from '../events/signed-event';
import type { PartyStore, StoredDocument } from '../ports/store.port';
import { deliveryOrderOf, type DeoDeliveryOrder } from './deo-delivery-order';
import { equipmentEventOf, payloadMatches, updatedWithin, type GateMove, type TntEquipmentEvent, type TntEventFilter } from './tnt-equipment-event';

/** How many EIRs one call reads from the store per round trip, and in all, so that a call stays bounded. */
export interface ScanLimits {
  batch: number;
  budget: number;
}

const defaultScanLimits: ScanLimits = { batch: 100, budget: 1000 };

/**
 * Where the next page starts: after the store page cursor `after`, skipping `skip` documents of
 * that page. Documents are listed in creation order, so the position stays put while new ones arrive.
 */
interface Position {
  after: string | null;
  skip: number;
}

function encodePosition(position: Position): string {
  return Buffer.from(JSON.stringify({ a: position.after, s: position.skip }), 'utf8').toString('base64url');
}

function decodePosition(cursor: string, batch: number): Position {
  const invalid = new ValidationError([
    { path: 'cursor', code: 'invalid-cursor', message: 'is not a Next-Page-Cursor from a previous page; start again without it' },
  ]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof value !== 'object' || value === null || !('a' in value) || !('s' in value)) throw invalid;
  const { a, s } = value;
  if ((a !== null && typeof a !== 'string') || typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0 || s >= batch) throw invalid;
  return { after: a, skip: s };
}

export interface EventPage {
  events: TntEquipmentEvent[];
  /** For DCSA's `Next-Page-Cursor` header; null on the last page. */
  nextCursor: string | null;
}

/**
 * SDX documents in DCSA shapes: EIR gate moves as Track & Trace equipment events, D/Os as DEO
 * delivery orders. Reads only, through the document service, so a party sees exactly the
 * documents it takes part in (an auditor sees all).
 */
export class DcsaReads {
  constructor(
    private readonly documents: DocumentService,
    private readonly parties: Pick<PartyStore, 'getParty'>,
    private readonly scan: ScanLimits = defaultScanLimits,
  ) {}

  /**
   * The caller's gate moves that match the filter, in EIR creation order. A page may hold fewer
   * than `limit` events (a call reads at most `scan.budget` EIRs); only a null cursor ends.
   */
  async equipmentEvents(caller: Caller, filter: TntEventFilter, limit: number, cursor?: string): Promise<EventPage> {
    let position: Position = cursor === undefined ? { after: null, skip: 0 } : decodePosition(cursor, this.scan.batch);
    const events: TntEquipmentEvent[] = [];
    const facilityKinds = new Map<string, GateMove['facilityKind']>();
    let scanned = 0;
    const full = () => events.length === limit || scanned === this.scan.budget;
    for (;;) {
      const page = await this.documents
        .list(caller, { kind: 'eir', limit: this.scan.batch, ...(position.after === null ? {} : { after: position.after }) })
        .catch(renameCursorIssues);
      for (const [offset, document] of page.items.slice(position.skip).entries()) {
        if (full()) return { events, nextCursor: encodePosition({ after: position.after, skip: position.skip + offset }) };
        scanned += 1;
        const event = await this.eventOf(caller, document, filter, facilityKinds);
        if (event) events.push(event);
      }
      if (page.nextCursor === null) return { events, nextCursor: null };
      position = { after: page.nextCursor, skip: 0 };
      if (full()) return { events, nextCursor: encodePosition(position) };
    }
  }

  /** The DEO view of a D/O the caller takes part in; any other id is not found. */
  async deliveryOrder(caller: Caller, documentId: string): Promise<DeoDeliveryOrder> {
    const view = await this.documents.get(caller, documentId);
    if (view.state.kind !== 'delivery-order') throw new SdxError('not-found', `no delivery order ${documentId}`);
    const payload = view.payload as DeliveryOrderPayload;
    const carrier = payload.carrier.scac ? undefined : await this.parties.getParty(payload.carrier.partyId);
    const scac = carrier?.identifiers.scac;
    return deliveryOrderOf(payload, { issuedAt: view.createdAt, ...(scac ? { carrierScac: scac } : {}) });
  }

  private async eventOf(
    caller: Caller,
    document: StoredDocument,
    filter: TntEventFilter,
    facilityKinds: Map<string, GateMove['facilityKind']>,
  ): Promise<TntEquipmentEvent | undefined> {
    const payload = document.payload as EirPayload;
    // Only these statuses can follow a gate record; the payload filters cost no event reads.
    const afterGate = ['gate-recorded', 'countersigned', 'voided'].includes(document.state.status);
    if (!afterGate || !payloadMatches(payload, filter)) return undefined;
    const { events } = await this.documents.get(caller, document.state.id);
    const recordedIndex = events.findIndex((e) => e.type === 'gate-record');
    const recorded = events[recordedIndex];
    if (!recorded) return undefined;
    const voided = events.slice(recordedIndex + 1).find((e) => e.type === 'void');
    const operator = recorded.actor;
    if (!facilityKinds.has(operator)) facilityKinds.set(operator, kindOf(await this.parties.getParty(operator)));
    const facilityKind = facilityKinds.get(operator);
    const event = equipmentEventOf({
      payload,
      gateRecord: openEvent(recorded.envelope).body.data['gateRecord'] as GateRecord,
      recorded: { hash: recorded.hash, at: recorded.recordedAt, by: operator },
      ...(voided ? { voidedAt: voided.recordedAt } : {}),
      ...(facilityKind ? { facilityKind } : {}),
    });
    return updatedWithin(event, filter) ? event : undefined;
  }
}

function kindOf(party: Party | undefined): GateMove['facilityKind'] {
  if (party?.roles.includes('terminal')) return 'terminal';
  if (party?.roles.includes('depot')) return 'depot';
  return undefined;
}

/** A stale store cursor inside ours is the caller's `cursor` that is wrong. */
function renameCursorIssues(error: unknown): never {
  if (error instanceof ValidationError) {
    throw new ValidationError(error.issues.map((i) => (i.path === 'after' ? { ...i, path: 'cursor' } : i)));
  }
  throw error;
}
