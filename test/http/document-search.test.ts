import { containerCheckDigit } from '../../src/domain/shared/iso6346';
import { Client, P, expectProblem, expectStatus, payloadOf, type DocumentBody, type PartyName, useExchange } from './exchange-client';

/** A valid ISO 6346 number: owner code, U, six digits, check digit. */
function container(owner: string, serial: number): string {
  const firstTen = `${owner}U${String(serial).padStart(6, '0')}`;
  return `${firstTen}${containerCheckDigit(firstTen) ?? 0}`;
}

let c: Client;
const orders: DocumentBody[] = [];
let eir: DocumentBody;
let guarantee: DocumentBody;
useExchange(async (_app, client) => {
  c = client;
  for (let i = 0; i < 4; i += 1) {
    orders.push(
      await client.deliveryOrder((p) => {
        p['billOfLadingNumber'] = `POCL2611PUS${String(100 + i).padStart(4, '0')}`;
        const containers = p['containers'] as Record<string, unknown>[];
        p['containers'] = [{ ...containers[0], number: container('TGH', 1000 + i) }];
      }),
    );
  }
  eir = await client.issued(P.terminal, 'eir', payloadOf('eir', (p) => {
    p['truckPlate'] = '沪AD·54321';
    (p['container'] as Record<string, unknown>)['number'] = container('TGH', 1001);
  }));
  guarantee = await client.issued(P.shipper, 'telex-release-guarantee');
  await client.acted(P.consignee, orders[3]!.id, { type: 'transfer', to: P.forwarder });
});

interface Found {
  ids: string[];
  total: number;
  totalCapped: boolean;
}

async function find(party: PartyName, query: string): Promise<Found> {
  const res = await c.get(party, `/documents?${query}`);
  expectStatus(res, 200);
  return { ids: (res.body.items as { id: string }[]).map((i) => i.id), total: res.body.total as number, totalCapped: res.body.totalCapped as boolean };
}

const idsOf = (...documents: DocumentBody[]) => documents.map((d) => d.id);
const number = (document: DocumentBody, field: string) => (document.payload as Record<string, string>)[field] as string;

describe('GET /documents finds documents by business keys', () => {
  it('by B/L number, exact or by its start, newest first, with the total', async () => {
    await expect(find(P.agentSha, 'bl=POCL2611PUS0101')).resolves.toEqual({ ids: idsOf(orders[1]!), total: 1, totalCapped: false });
    await expect(find(P.agentSha, `bl=${encodeURIComponent('pocl 2611 pus 010')}`)).resolves.toEqual({ ids: idsOf(orders[3]!, orders[2]!, orders[1]!, orders[0]!), total: 4, totalCapped: false });
  });

  it('by container number, D/O or EIR number, plate and consignee, whatever the case and separators', async () => {
    const box = container('TGH', 1001);
    await expect(find(P.terminal, `container=${box.toLowerCase()}`)).resolves.toMatchObject({ ids: idsOf(eir, orders[1]!) });
    await expect(find(P.agentSha, `number=${encodeURIComponent(number(orders[2]!, 'deliveryOrderNumber').toLowerCase())}`)).resolves.toMatchObject({ ids: idsOf(orders[2]!) });
    await expect(find(P.terminal, `number=${number(eir, 'eirNumber')}`)).resolves.toMatchObject({ ids: idsOf(eir) });
    await expect(find(P.terminal, `plate=${encodeURIComponent('沪ad 54321')}`)).resolves.toMatchObject({ ids: idsOf(eir) });
    await expect(find(P.shipper, `consignee=${encodeURIComponent('上海联华进口有限公司(演示)')}`)).resolves.toMatchObject({ ids: idsOf(guarantee) });
  });

  it('by q, any business key, combined with status, kind and holder=me', async () => {
    const box = container('TGH', 1001);
    await expect(find(P.terminal, `q=${box}`)).resolves.toMatchObject({ ids: idsOf(eir, orders[1]!) });
    await expect(find(P.terminal, `q=${box}&kind=eir`)).resolves.toMatchObject({ ids: idsOf(eir) });
    await expect(find(P.agentSha, 'q=POCL2611PUS&status=transferred')).resolves.toMatchObject({ ids: idsOf(orders[3]!) });
    await expect(find(P.agentSha, 'q=POCL2611PUS&status=issued,transferred')).resolves.toMatchObject({ total: 4 });
    await expect(find(P.consignee, 'holder=me&kind=delivery-order')).resolves.toMatchObject({ ids: idsOf(orders[2]!, orders[1]!, orders[0]!) });
    await expect(find(P.forwarder, 'holder=me')).resolves.toMatchObject({ ids: idsOf(orders[3]!) });
  });

  it('by issue date in Beijing time: today finds everything, tomorrow nothing', async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 32 * 3_600_000).toISOString().slice(0, 10);
    await expect(find(P.agentSha, `from=${today}&to=${today}&kind=delivery-order`)).resolves.toMatchObject({ total: 4 });
    await expect(find(P.agentSha, `from=${tomorrow}`)).resolves.toMatchObject({ ids: [], total: 0 });
    await expect(find(P.agentSha, `to=${encodeURIComponent('2000-01-01T00:00:00+08:00')}`)).resolves.toMatchObject({ total: 0 });
  });
});

describe('searching never widens what a party sees', () => {
  it.each([
    [P.haulierB, 'q=POCL2611PUS'],
    [P.depot, `container=${container('TGH', 1001)}`],
    [P.consignee, `plate=${encodeURIComponent('沪AD54321')}`],
    [P.terminal, 'number=TRG-PUS-2026-0007'],
    [P.haulierB, 'holder=me'],
  ] as [PartyName, string][])('%s searching %s finds nothing it takes no part in', async (party, query) => {
    await expect(find(party, query)).resolves.toEqual({ ids: [], total: 0, totalCapped: false });
  });

  it('the auditor finds every match', async () => {
    const everything = idsOf(guarantee, eir, ...[...orders].reverse());
    await expect(find(P.auditor, 'q=POCL2611PUS')).resolves.toEqual({ ids: everything, total: 6, totalCapped: false });
  });
});

describe('bad filters', () => {
  it.each([
    ['from=yesterday', 'from', 'invalid-date'],
    ['to=2026-02-30', 'to', 'invalid-date'],
    ['from=2026-12-03T08:00:00', 'from', 'invalid-date'],
    ['from=2026-12-04&to=2026-12-03', 'to', 'invalid-range'],
    ['status=issued,shipped', 'status', 'unknown-status'],
    ['holder=demo-consignee', 'holder', 'unknown-holder'],
    ['bl=---', 'bl', 'search-empty'],
    [`q=${'A'.repeat(150)}`, 'q', 'search-too-long'],
  ])('%s is 422 naming %s', async (query, path, code) => {
    const res = await c.get(P.agentSha, `/documents?${query}`);
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ path, code })]);
  });

  it('a repeated filter is 422, as every repeated parameter is', async () => {
    expectProblem(await c.get(P.agentSha, '/documents?bl=A&bl=B'), 422, 'validation-failed');
  });
});
