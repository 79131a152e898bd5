// Calls to a running `sdx serve --demo` as its demo parties, for the tests that run real processes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answer } from './answer-tally';
import { exampleJson, repoRoot } from './examples';

export const API = '/api/v1';

interface DemoFile {
  parties: { party: { id: string }; users: { apiKey: string }[] }[];
}
const demo = JSON.parse(readFileSync(join(repoRoot, 'certs-dev', 'demo-parties.json'), 'utf8')) as DemoFile;

export function keyOf(partyId: string): string {
  const key = demo.parties.find((p) => p.party.id === partyId)?.users[0]?.apiKey;
  if (!key) throw new Error(`no demo key for ${partyId}`);
  return key;
}

export async function call(base: string, partyId: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(base + API + path, {
    method,
    headers: { authorization: `Bearer ${keyOf(partyId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let counter = 0;
/** Issues a D/O with a number no other run uses and answers its id. */
export async function issueOrder(base: string): Promise<string> {
  const answer = await issueOrderAnswer(base);
  expect(answer).toMatchObject({ status: 201 });
  return String(answer.body['id']);
}

export function issueOrderAnswer(base: string): Promise<Answer> {
  counter += 1;
  const payload = exampleJson('delivery-order');
  payload['deliveryOrderNumber'] = `DO-T-${process.pid}-${Date.now() % 100000}-${counter}`;
  return call(base, 'demo-agent-sha', 'POST', '/documents', { kind: 'delivery-order', payload });
}
