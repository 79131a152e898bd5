import request from 'supertest';
import type { Response } from 'supertest';
import { DcsaReads } from '../../src/application/dcsa/dcsa-reads';
import { deliveryOrderOf } from '../../src/application/dcsa/deo-delivery-order';
import type { TntEquipmentEvent } from '../../src/application/dcsa/tnt-equipment-event';
import type { DeliveryOrderPayload } from '../../src/domain/delivery-order/delivery-order.schema';
import { containerCheckDigit } from '../../src/domain/shared/iso6346';
import { chineseDetail, refusalMessage } from '../../src/http/refusal-messages';
import { dcsaProblems } from '../support/dcsa-schemas';
import { expectDocumentedResponse } from '../support/openapi-responses';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, expectStatus, gateRecordExample, payloadOf, type DocumentBody, type PartyName } from './exchange-client';

const EVENTS = '/dcsa/tnt/v3/events';
const EVENTS_PATH = `${API}${EVENTS}`;
const DEO_PATH = `${API}/dcsa/deo/delivery-orders/{id}`;

/** A valid ISO 6346 container number for a six-digit serial. */
function container(owner: string, serial: string): string {
  return `${owner}${serial}${containerCheckDigit(owner + serial) ?? ''}`;
}

let t: TestApp;
let c: Client;

/** The EIRs of the scenario, as their issuers got them back. */
let eirs: { out: DocumentBody; inbound: DocumentBody; pending: DocumentBody; voided: DocumentBody };
const VOIDED_CONTAINER = container('POCU', '500017');
const IN_PASSED_AT = '2026-11-29T15:05:00.123456789+08:00';

beforeAll(async () => {
  t = await startTestApp();
  c = new Client(t);

  // OUT at the terminal: laden pick-up, gate-recorded, countersigned by the haulier.
  const out = await c.issued(P.terminal, 'eir');
  await c.acted(P.terminal, out.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  await c.acted(P.haulierA, out.id, { type: 'countersign' });

  // IN at the depot: an empty return under a booking, no seals, a passing time finer than DCSA keeps.
  const inbound = await c.issued(
    P.depot,
    'eir',
    payloadOf('eir', (p) => {
      p['direction'] = 'IN';
      p['purpose'] = 'empty-return';
      p['container'] = { ...(p['container'] as object), number: 'POCU7120041', sizeType: '22G1', fullEmpty: 'EMPTY', grossWeightKg: undefined };
      p['seals'] = [];
      delete p['billOfLadingNumber'];
      p['bookingNumber'] = 'BKG-SHA-2611-0042';
      p['facility'] = { unLocode: 'CNSHA', name: 'Waigaoqiao Demo Empty Depot', operator: { partyId: P.depot, name: 'Waigaoqiao Demo Empty Depot' } };
    }),
  );
  await c.acted(P.depot, inbound.id, {
    type: 'gate-record',
    gateRecord: { passedAt: IN_PASSED_AT, condition: 'sound', damages: [], seals: [], photoSha256: [] },
  });

  // Issued but never at the gate: no event.
  const pending = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => ((p['container'] as Record<string, unknown>)['number'] = container('POCU', '500020'))));

  // Gate-recorded, then voided by its issuer: the event is retracted.
  const voided = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => ((p['container'] as Record<string, unknown>)['number'] = VOIDED_CONTAINER)));
  await c.acted(P.terminal, voided.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  await c.acted(P.terminal, voided.id, { type: 'void', reason: 'Wrong truck; container back in the stack' });
  eirs = { out, inbound, pending, voided };
});

afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

/** Problems of one event against DCSA TNT 3.0.0 `Event`: as published, and with every undeclared field refused. */
function expectDcsaEvent(event: TntEquipmentEvent): void {
  const problems = { open: dcsaProblems('tnt-event', event, { closed: false }), closed: dcsaProblems('tnt-event', event, { closed: true }) };
  expect({ eventID: event.eventID, problems }).toEqual({ eventID: event.eventID, problems: { open: [], closed: [] } });
}

/** One page of `GET /events`, checked against our OpenAPI document and, event by event, against DCSA's schema. */
async function eventsPage(party: PartyName, query = ''): Promise<{ res: Response; events: TntEquipmentEvent[] }> {
  const res = await c.get(party, `${EVENTS}${query}`);
  expectStatus(res, 200);
  expect(res.headers['api-version']).toBe('3.0.0');
  expectDocumentedResponse(EVENTS_PATH, 'get', res);
  const { events } = res.body as { events: TntEquipmentEvent[] };
  events.forEach(expectDcsaEvent);
  return { res, events };
}

/**
 * A DCSA route's error: DCSA ERROR_DOMAIN 2.0.0 `error` (as published, and with undeclared fields
 * refused once TNT's `feedbackElements` are set aside), on TNT also a valid `GetEventsError`, and
 * our own OpenAPI document's `DcsaError`. Returns the detailed errors' reasons.
 */
function expectDcsaError(res: Response, status: number, documentedAs: string, version: string): string[] {
  expectStatus(res, status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['api-version']).toBe(version);
  expectDocumentedResponse(documentedAs, 'get', res);
  const body = res.body as Record<string, unknown> & { errors: { reason: string; message: string }[] };
  const { feedbackElements, ...domain } = body;
  expect(dcsaProblems('error-domain', body, { closed: false })).toEqual([]);
  expect(dcsaProblems('error-domain', domain, { closed: true })).toEqual([]);
  expect(body).toMatchObject({ httpMethod: 'GET', requestUri: res.request.url.replace(/^https?:\/\/[^/]+/, ''), statusCode: status });
  expect(Math.abs(Date.parse(String(body['errorDateTime'])) - Date.now())).toBeLessThan(60_000);
  expect(body['providerCorrelationID']).toBe(res.headers['x-request-id']);
  if (version === '3.0.0') {
    expect(dcsaProblems('tnt-events-error', { feedbackElements }, { closed: true })).toEqual([]);
    expect(feedbackElements).toEqual(body.errors.map(() => expect.objectContaining({ severity: 'ERROR' })));
  } else {
    expect(feedbackElements).toBeUndefined();
  }
  return body.errors.map((e) => e.reason);
}

async function equipmentOf(party: PartyName, query = ''): Promise<string[]> {
  const { events } = await eventsPage(party, query);
  return events.map((e) => e.equipmentDetails.equipmentReference).sort();
}

async function eventOfType(id: string, type: string): Promise<{ hash: string; at: string }> {
  const event = (await c.document(P.carrier, id)).events.find((e) => e.type === type);
  if (!event) throw new Error(`no ${type} event on ${id}`);
  return event;
}

describe('GET /api/v1/dcsa/tnt/v3/events: EIR gate moves as DCSA Track & Trace 3.0.0 equipment events', () => {
  it('gives the container operator one event per gate move, each valid against TNT 3.0.0 Event', async () => {
    const { res, events } = await eventsPage(P.carrier);
    expect(res.headers['next-page-cursor']).toBeUndefined();
    expect(events.map((e) => e.equipmentDetails.equipmentReference)).toEqual(['CSQU3054383', 'POCU7120041', VOIDED_CONTAINER]);
  });

  it('maps a gate-out: GTOT, the gate record’s time, seals and truck, the facility and the B/L', async () => {
    const [event] = (await eventsPage(P.carrier, '?equipmentReference=CSQU3054383')).events;
    const recorded = await eventOfType(eirs.out.id, 'gate-record');
    const payload = eirs.out.payload;
    expect(event).toEqual({
      eventID: recorded.hash,
      isRetracted: false,
      eventRouting: { originatingParty: { partyCode: P.terminal, codeListProvider: 'ZZZ', codeListName: 'SDX' } },
      eventDateTime: gateRecordExample()['passedAt'],
      eventUpdatedDateTime: recorded.at,
      eventClassification: { eventTypeCode: 'EQUIPMENT', eventClassifierCode: 'ACT', equipmentEventTypeCode: 'GTOT' },
      eventLocation: {
        locationName: 'Yangshan Demo Container Terminal 洋山演示集装箱码头',
        facilityTypeCode: 'POTE',
        UNLocationCode: 'CNSHA',
        facility: { facilityName: 'Yangshan Demo Container Terminal 洋山演示集装箱码头' },
      },
      equipmentDetails: {
        equipmentReference: 'CSQU3054383',
        ISOEquipmentCode: '45G1',
        emptyIndicatorCode: 'LADEN',
        movementType: 'IMPORT',
        seals: [{ number: 'POCL778812', source: 'CAR' }],
      },
      transportDetails: { transportCall: { modeOfTransport: 'TRUCK', truckTransport: { tractorDetails: { licensePlate: '沪AD12345' } } } },
      shipmentDetails: {
        documentReference: { typeCode: 'TRD', reference: 'POCL2611PUS0042' },
        additionalDocumentReferences: [{ typeCode: 'EIR', reference: payload['eirNumber'] }],
      },
    });
  });

  it('maps a gate-in at a depot: GTIN, EMPTY, DEPO, the booking, and a too-fine time in UTC milliseconds', async () => {
    const [event] = (await eventsPage(P.depot)).events;
    expect(event).toMatchObject({
      eventDateTime: new Date(IN_PASSED_AT).toISOString(),
      eventClassification: { equipmentEventTypeCode: 'GTIN' },
      eventRouting: { originatingParty: { partyCode: P.depot } },
      eventLocation: { facilityTypeCode: 'DEPO', UNLocationCode: 'CNSHA' },
      equipmentDetails: { equipmentReference: 'POCU7120041', ISOEquipmentCode: '22G1', emptyIndicatorCode: 'EMPTY', seals: [] },
      shipmentDetails: {
        documentReference: { typeCode: 'BKG', reference: 'BKG-SHA-2611-0042' },
        additionalDocumentReferences: [{ typeCode: 'EIR', reference: eirs.inbound.payload['eirNumber'] }],
      },
    });
    expect(event?.equipmentDetails).not.toHaveProperty('movementType');
  });

  it('retracts the event of an EIR voided after its gate move, as of the void', async () => {
    const [event] = (await eventsPage(P.terminal, `?equipmentReference=${VOIDED_CONTAINER}`)).events;
    const recorded = await eventOfType(eirs.voided.id, 'gate-record');
    const voided = await eventOfType(eirs.voided.id, 'void');
    expect(event).toMatchObject({ eventID: recorded.hash, isRetracted: true, eventUpdatedDateTime: voided.at });
  });

  it('filters by equipment, event type, transport document, booking and update time, combined with AND', async () => {
    expect(await equipmentOf(P.carrier, '?equipmentReference=POCU7120041')).toEqual(['POCU7120041']);
    expect(await equipmentOf(P.carrier, '?equipmentEventTypeCodes=GTIN')).toEqual(['POCU7120041']);
    expect(await equipmentOf(P.carrier, '?equipmentEventTypeCodes=GTOT')).toEqual(['CSQU3054383', VOIDED_CONTAINER].sort());
    expect(await equipmentOf(P.carrier, '?equipmentEventTypeCodes=GTIN,GTOT,LOAD')).toHaveLength(3);
    expect(await equipmentOf(P.carrier, '?eventTypes=SHIPMENT,TRANSPORT')).toEqual([]);
    expect(await equipmentOf(P.carrier, '?eventTypes=EQUIPMENT,IOT')).toHaveLength(3);
    expect(await equipmentOf(P.carrier, '?equipmentReference=CSQU3054383&equipmentEventTypeCodes=GTIN')).toEqual([]);
    expect(await equipmentOf(P.carrier, '?transportDocumentReference=POCL2611PUS0042')).toEqual(['CSQU3054383', VOIDED_CONTAINER].sort());
    expect(await equipmentOf(P.carrier, '?transportDocumentReference=POCL2611PUS0042&equipmentReference=CSQU3054383')).toEqual(['CSQU3054383']);
    expect(await equipmentOf(P.carrier, '?carrierBookingReference=BKG-SHA-2611-0042')).toEqual(['POCU7120041']);

    const outAt = (await eventOfType(eirs.out.id, 'gate-record')).at;
    const voidAt = (await eventOfType(eirs.voided.id, 'void')).at;
    expect(await equipmentOf(P.carrier, `?eventUpdatedDateTimeMax=${encodeURIComponent(outAt)}`)).toEqual(['CSQU3054383']);
    expect(await equipmentOf(P.carrier, `?eventUpdatedDateTimeMin=${encodeURIComponent(voidAt)}`)).toEqual([VOIDED_CONTAINER]);
    const window = `?eventUpdatedDateTimeMin=${encodeURIComponent(outAt)}&eventUpdatedDateTimeMax=${encodeURIComponent(voidAt)}`;
    expect(await equipmentOf(P.carrier, window)).toHaveLength(3);
  });

  it('shows each party only the gate moves of EIRs it takes part in; an auditor sees all', async () => {
    expect(await equipmentOf(P.haulierB)).toEqual([]);
    expect(await equipmentOf(P.consignee)).toEqual([]);
    expect(await equipmentOf(P.haulierB, '?equipmentReference=CSQU3054383')).toEqual([]);
    expect(await equipmentOf(P.depot)).toEqual(['POCU7120041']);
    expect(await equipmentOf(P.terminal)).toEqual(['CSQU3054383', VOIDED_CONTAINER].sort());
    expect(await equipmentOf(P.haulierA)).toHaveLength(3);
    expect(await equipmentOf(P.auditor)).toHaveLength(3);
  });

  it('pages the DCSA way: Next-Page-Cursor back as cursor, with the same filters, until no cursor comes', async () => {
    const all = (await eventsPage(P.carrier)).events.map((e) => e.eventID);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=1&eventTypes=EQUIPMENT${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { res, events } = await eventsPage(P.carrier, query);
      expect(events.length).toBeLessThanOrEqual(1);
      seen.push(...events.map((e) => e.eventID));
      cursor = res.headers['next-page-cursor'] as string | undefined;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    expect(cursor).toBeUndefined();
    expect(seen).toEqual(all);
  });

  it('refuses bad parameters in DCSA’s error shape, with a stable reason and the field per parameter', async () => {
    const refused = async (query: string, field: string, reason: string) => {
      const res = await c.get(P.carrier, `${EVENTS}${query}`);
      expect(expectDcsaError(res, 422, EVENTS_PATH, '3.0.0')).toEqual([reason]);
      expect(res.body.errors).toEqual([expect.objectContaining({ field, reason })]);
      expect(res.body.statusCodeText).toBe('Unprocessable Content');
      expect(res.body.errorMessage).toBe('Invalid input');
    };
    await refused('?eventTypes=EQUIPMENT,FOO', 'eventTypes', 'invalid-format');
    await refused('?equipmentEventTypeCodes=GTOT,', 'equipmentEventTypeCodes', 'invalid-format');
    await refused('?eventUpdatedDateTimeMin=2026-11-28', 'eventUpdatedDateTimeMin', 'invalid-format');
    await refused('?limit=0', 'limit', 'too-small');
    await refused('?limit=201', 'limit', 'too-big');
    // DCSA TNT 2.x's singular name: not silently ignored.
    await refused('?eventType=EQUIPMENT', 'eventType', 'unknown-field');
    await refused('?cursor=not-a-cursor', 'cursor', 'invalid-cursor');
    const forged = Buffer.from(JSON.stringify({ a: 'forged', s: 0 })).toString('base64url');
    await refused(`?cursor=${forged}`, 'cursor', 'invalid-cursor');

    // Several at once, every one named; a value far beyond DCSA's 200-character message is cut.
    const many = await c.get(P.carrier, `${EVENTS}?limit=0&eventTypes=X&cursor=${'x'.repeat(600)}`);
    expect(expectDcsaError(many, 422, EVENTS_PATH, '3.0.0').sort()).toEqual(['invalid-format', 'too-big', 'too-small']);

    const anonymous = await request(t.app).get(EVENTS_PATH).set('X-Request-Id', 'dcsa-probe-1');
    expect(expectDcsaError(anonymous, 401, EVENTS_PATH, '3.0.0')).toEqual(['missing-credentials']);
    expect(anonymous.body.providerCorrelationID).toBe('dcsa-probe-1');
  });

  it('answers in Chinese from the catalogue when Accept-Language prefers it', async () => {
    const res = await request(t.app).get(`${EVENTS_PATH}?limit=0`).set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.5');
    expect(expectDcsaError(res, 401, EVENTS_PATH, '3.0.0')).toEqual(['missing-credentials']);
    expect(res.headers['content-language']).toBe('zh');
    expect(res.body.errorMessage).toBe(refusalMessage('missing-credentials').zh.title);
    expect(res.body.errors[0].message).toBe(chineseDetail('missing-credentials'));
  });

  it('answers an unknown DCSA path in DCSA’s error shape too', async () => {
    const res = await c.get(P.carrier, '/dcsa/tnt/v3/event-subscriptions');
    expectStatus(res, 404);
    expect(res.headers['api-version']).toBe('3.0.0');
    expect(res.body).toMatchObject({ statusCode: 404, errors: [{ reason: 'route-not-found' }] });
    expect(dcsaProblems('error-domain', res.body, { closed: false })).toEqual([]);
  });
});

describe('DcsaReads over small store pages and a small scan budget', () => {
  it('resumes mid-page and across store pages, visiting each gate move once, and never reads past its budget', async () => {
    const all = (await eventsPage(P.carrier)).events;
    // Two EIRs per store page, three per call. The four EIRs (out, inbound, pending, voided) take:
    // limit 1 → [out] [inbound] [pending, voided]; limit 2 → [out, inbound] [pending, voided];
    // limit 5 → [out, inbound, pending: budget spent] [voided].
    const reads = new DcsaReads(t.documents, t.store, { batch: 2, budget: 3 });
    const caller = { partyId: P.carrier, userId: null };
    const expectedCalls: Record<number, number> = { 1: 3, 2: 2, 5: 2 };
    for (const limit of [1, 2, 5]) {
      const seen: TntEquipmentEvent[] = [];
      let cursor: string | undefined;
      let calls = 0;
      do {
        const page = await reads.equipmentEvents(caller, {}, limit, cursor);
        expect(page.events.length).toBeLessThanOrEqual(limit);
        seen.push(...page.events);
        cursor = page.nextCursor ?? undefined;
        calls += 1;
      } while (cursor !== undefined && calls < 10);
      expect({ limit, ids: seen.map((e) => e.eventID), more: cursor }).toEqual({ limit, ids: all.map((e) => e.eventID), more: undefined });
      expect({ limit, calls }).toEqual({ limit, calls: expectedCalls[limit] });
    }
    const first = await reads.equipmentEvents(caller, { equipmentReference: VOIDED_CONTAINER }, 5);
    expect(first).toEqual({ events: [], nextCursor: expect.any(String) });
    const second = await reads.equipmentEvents(caller, { equipmentReference: VOIDED_CONTAINER }, 5, first.nextCursor ?? undefined);
    expect(second.events.map((e) => e.equipmentDetails.equipmentReference)).toEqual([VOIDED_CONTAINER]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('GET /api/v1/dcsa/deo/delivery-orders/{id}: a D/O with DCSA DEO field names', () => {
  it('names the D/O, B/L, carrier, containers and places as DCSA deliveryOrder does', async () => {
    const issued = await c.deliveryOrder();
    const res = await c.get(P.consignee, `/dcsa/deo/delivery-orders/${issued.id}`);
    expectStatus(res, 200);
    expect(res.headers['api-version']).toBe('1.0.0-Beta-1');
    expectDocumentedResponse(DEO_PATH, 'get', res);
    const payload = issued.payload;
    expect(res.body).toEqual({
      deliveryOrderReference: payload['deliveryOrderNumber'],
      transportDocumentReference: 'POCL2611PUS0042',
      carrierCode: 'POCL',
      carrierCodeListProvider: 'NMFTA',
      utilizedTransportEquipments: [{ equipmentReference: 'CSQU3054383' }, { equipmentReference: 'POCU7120041' }],
      pickupLocation: { locationType: 'UNLO', locationName: 'Yangshan Demo Container Terminal', UNLocationCode: 'CNSHA' },
      returnLocation: { locationType: 'UNLO', locationName: 'Waigaoqiao Demo Empty Depot', UNLocationCode: 'CNSHA' },
      repleaseParty: { partyName: 'Shanghai Lianhua Import Co. (demo)' },
      additionalInformation: payload['remarks'],
      requestedReleaseDateTime: issued.createdAt,
      deliveryOrderExpiryDateTime: payload['validUntil'],
    });
    expect(res.body).toEqual(deliveryOrderOf(payload as unknown as DeliveryOrderPayload, { issuedAt: issued.createdAt }));
    // Valid against DCSA's schema as published, and with every undeclared field refused.
    expect(dcsaProblems('deo-delivery-order', res.body, { closed: false })).toEqual([]);
    expect(dcsaProblems('deo-delivery-order', res.body, { closed: true })).toEqual([]);
  });

  it('takes the SCAC from the carrier’s party record when the D/O names none', async () => {
    const issued = await c.deliveryOrder((p) => delete (p['carrier'] as Record<string, unknown>)['scac']);
    const res = await c.get(P.agentSha, `/dcsa/deo/delivery-orders/${issued.id}`);
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ carrierCode: 'POCL', carrierCodeListProvider: 'NMFTA' });
  });

  it('answers 409 dcsa-carrier-code-missing, in DCSA’s shape, when neither the D/O nor its carrier names a SCAC', async () => {
    const issued = await c.deliveryOrder((p) => delete (p['carrier'] as Record<string, unknown>)['scac']);
    const carrier = await t.store.getParty(P.carrier);
    if (!carrier) throw new Error('no carrier party');
    const { scac: _scac, ...identifiers } = carrier.identifiers;
    await t.store.upsertParty({ ...carrier, identifiers });
    try {
      const res = await c.get(P.consignee, `/dcsa/deo/delivery-orders/${issued.id}`);
      expect(expectDcsaError(res, 409, DEO_PATH, '1.0.0-Beta-1')).toEqual(['dcsa-carrier-code-missing']);
      expect(res.body.errorMessage).toBe(refusalMessage('dcsa-carrier-code-missing').en.title);
    } finally {
      await t.store.upsertParty(carrier);
    }
  });

  it('answers not-found for a D/O the caller takes no part in, and for a document that is not a D/O', async () => {
    const issued = await c.deliveryOrder();
    const stranger = await c.get(P.haulierB, `/dcsa/deo/delivery-orders/${issued.id}`);
    expect(expectDcsaError(stranger, 404, DEO_PATH, '1.0.0-Beta-1')).toEqual(['not-found']);
    const notADeliveryOrder = await c.get(P.terminal, `/dcsa/deo/delivery-orders/${eirs.out.id}`);
    expect(expectDcsaError(notADeliveryOrder, 404, DEO_PATH, '1.0.0-Beta-1')).toEqual(['not-found']);
    const anonymous = await request(t.app).get(`${API}/dcsa/deo/delivery-orders/${issued.id}`);
    expect(expectDcsaError(anonymous, 401, DEO_PATH, '1.0.0-Beta-1')).toEqual(['missing-credentials']);
  });
});

describe('values longer than DCSA allows: fitted by a documented rule per field, valid against DCSA’s schemas', () => {
  const codePoints = (value: unknown): number => Array.from(String(value)).length;
  /** 200 characters, CJK and an astral character among them, so that limits are counted in code points. */
  const longName = `Yangshan Deep-Water Port Phase IV Automated Container Terminal 𠮷 ${'洋山深水港四期自动化集装箱码头'.repeat(10)}`.slice(0, 200);

  it('cuts names to 100 characters with …, and leaves out a seal number or plate that does not fit', async () => {
    const number = container('POCU', '500033');
    const eir = await c.issued(
      P.terminal,
      'eir',
      payloadOf('eir', (p) => {
        (p['container'] as Record<string, unknown>)['number'] = number;
        p['facility'] = { ...(p['facility'] as object), name: longName };
        p['truckPlate'] = '沪AD12345-TRAILER';
      }),
    );
    const gateRecord = { ...gateRecordExample(), seals: [{ number: 'POCL778812', type: 'carrier' }, { number: 'CUSTOMS-2026-SHA-000000123', type: 'customs' }] };
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord });

    const [event] = (await eventsPage(P.carrier, `?equipmentReference=${number}`)).events;
    if (!event) throw new Error('no event for the long-valued EIR');
    const { locationName, facility } = event.eventLocation;
    expect([codePoints(locationName), locationName.endsWith('…'), longName.startsWith(locationName.slice(0, -1))]).toEqual([100, true, true]);
    expect(facility.facilityName).toBe(locationName);
    expect(event.equipmentDetails.seals).toEqual([{ number: 'POCL778812', source: 'CAR' }]);
    expect(event.transportDetails.transportCall).toEqual({ modeOfTransport: 'TRUCK' });
  });

  it('gives a DEO D/O its required release time and fits the B/L number, names and remarks', async () => {
    const billOfLading = 'POCL2611PUS0042-ORIGINAL-THREE-XY';
    const remarks = `Present at Yangshan gate 3.\n${'请于洋山三号闸口提箱，并出示身份证件。'.repeat(60)}`;
    const issued = await c.deliveryOrder((p) => {
      p['billOfLadingNumber'] = billOfLading;
      p['remarks'] = remarks;
      p['consignee'] = { ...(p['consignee'] as object), name: longName };
      p['pickupTerminal'] = { ...(p['pickupTerminal'] as object), name: longName };
    });
    const res = await c.get(P.consignee, `/dcsa/deo/delivery-orders/${issued.id}`);
    expectStatus(res, 200);
    expectDocumentedResponse(DEO_PATH, 'get', res);
    const body = res.body as Record<string, Record<string, unknown> & string>;
    expect(body['transportDocumentReference']).toBe(billOfLading.slice(0, 20));
    expect(body['requestedReleaseDateTime']).toBe(issued.createdAt);
    const information = String(body['additionalInformation']);
    expect([codePoints(information), information.startsWith(`B/L ${billOfLading}\nPresent at Yangshan gate 3.\n请于`), information.endsWith('…')]).toEqual([500, true, true]);
    expect([codePoints(body['repleaseParty']?.['partyName']), codePoints(body['pickupLocation']?.['locationName'])]).toEqual([100, 100]);
    expect(dcsaProblems('deo-delivery-order', res.body, { closed: false })).toEqual([]);
    expect(dcsaProblems('deo-delivery-order', res.body, { closed: true })).toEqual([]);
  });
});
