import type request from 'supertest';
import { P, uniqueRef } from '../http/exchange-client';
import type { DocumentKind } from '../../src/domain/document/document';
import { hiddenValue } from './page-forms';
import type { TestApp } from './test-app';

/** The desk tests' users, one per desk role. */
export const USERS = {
  agentSha: 'demo-agent-sha-desk',
  agentPus: 'demo-agent-pus-desk',
  carrier: 'demo-carrier-ops',
  shipper: 'demo-shipper-export',
  forwarder: 'demo-forwarder-ops',
  terminal: 'demo-terminal-gate',
  depot: 'demo-depot-gate',
  haulier: 'demo-haulier-a-driver',
  consignee: 'demo-consignee-logistics',
} as const;

/** The D/O form as a clerk fills it from the example D/O (containers as rows). */
export function deliveryOrderForm(fields: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    deliveryOrderNumber: uniqueRef('DO'),
    billOfLadingNumber: 'POCL2611PUS0042',
    carrier: P.carrier,
    consignee: P.consignee,
    'vessel.vesselName': 'PEARL HARMONY',
    'vessel.voyageNumber': '062E',
    'vessel.imoNumber': '9074729',
    'portOfDischarge.unLocode': 'CNSHA',
    'portOfDischarge.name': 'Shanghai',
    'containers.number': ['CSQU3054383', 'POCU7120041'],
    'containers.sizeType': ['45G1', '22G1'],
    'containers.sealNumbers': ['POCL778812', 'POCL778813'],
    'containers.grossWeightKg': ['18640', '9120.5'],
    'cargo.description': 'Stainless steel kitchen sinks 不锈钢水槽',
    'cargo.packageCount': '1240',
    'cargo.packageType': 'cartons',
    'cargo.grossWeightKg': '27760.5',
    pickupTerminal: P.terminal,
    'pickupTerminal.unLocode': 'CNSHA',
    emptyReturnDepot: P.depot,
    'emptyReturnDepot.unLocode': 'CNSHA',
    freeTimeUntil: '2026-12-05T23:59',
    validUntil: '2026-12-12T23:59',
    chargesPaid: 'yes',
    'releaseBasis.type': 'original-bl-surrendered',
    'releaseBasis.originalsSurrendered': '3',
    ...fields,
  };
}

/** Opens a form page and returns what its POST needs besides the fields: the session's token and the form's key. */
export async function openForm(agent: ReturnType<typeof request.agent>, path: string): Promise<{ csrf: string; formKey: string; page: string }> {
  const res = await agent.get(path).expect(200);
  return { csrf: hiddenValue(res.text, 'csrf'), formKey: hiddenValue(res.text, 'formKey'), page: res.text };
}


/** Payloads of every stored document of a kind, read from the store itself. */
export async function payloadsOf(t: TestApp, kind: DocumentKind): Promise<Record<string, unknown>[]> {
  return (await t.store.listDocuments({ kind, limit: 500 })).items.map((d) => d.payload as Record<string, unknown>);
}
