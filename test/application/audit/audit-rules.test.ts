// The offline audit checks the rules, not only the signatures: events correctly signed with the
// parties' real keys (and heads with the real log key) that the lifecycle would have refused.
import { readFileSync } from 'node:fs';
import { createPrivateKey, sign } from 'node:crypto';
import { auditCertificateCheck } from '../../../src/adapters/pki/audit-certificate-check';
import { exportBundle, storeParties, type LoggedEvent } from '../../../src/application/audit/audit-bundle';
import { auditTrail, type AuditResult } from '../../../src/application/audit/audit-trail';
import type { PartyRoles } from '../../../src/application/audit/lifecycle-replay';
import { openLogService } from '../../../src/main';
import { settingsOrThrow } from '../../../src/settings';
import { certsDevCertificate, certsDevPath, certsDevTrust } from '../../support/certs-dev';
import { appendEvent, bodyOf, headOver, partyKeys } from '../../support/crafted-trail';
import { startTestApp } from '../../support/test-app';
import { Client, P, payloadOf } from '../../http/exchange-client';

const validateCertificate = auditCertificateCheck(certsDevTrust(), { logCertificates: [certsDevCertificate('log-signing.pem')] });

let events: LoggedEvent[];
let parties: PartyRoles[];
/** Log order: do1#1 do1#2(present) do1#3(release) do2#1 eir#1, then a telex release and an amendment */
let do1: string;
let do2: string;
let payloadHash2: string;

beforeAll(async () => {
  const t = await startTestApp();
  try {
    const c = new Client(t);
    do1 = (await c.deliveryOrder()).id;
    await c.acted(P.consignee, do1, { type: 'present', to: P.terminal });
    await c.acted(P.terminal, do1, { type: 'release' });
    do2 = (await c.deliveryOrder()).id;
    await c.issued(P.terminal, 'eir');
    // A guarantee accepted (with its release notice), a D/O released by telex on it (the guarantee
    // records the backing), then transferred and amended (the new version stays with the holder).
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    await c.acted(P.agentPus, guarantee.id, { type: 'accept' });
    const telex = await c.issued(P.carrier, 'delivery-order', payloadOf('delivery-order', (p) => {
      p['releaseBasis'] = { type: 'telex-release', guaranteeId: guarantee.id };
    }));
    await c.acted(P.consignee, telex.id, { type: 'transfer', to: P.forwarder });
    await c.acted(P.carrier, telex.id, { type: 'amend', payload: { ...telex.payload, remarks: 'Gate 5' }, reason: 'Gate changed' });
    const bundle = await exportBundle(t.store, await openLogService(t.store, settingsOrThrow()).currentTreeHead());
    events = bundle.events;
    parties = await storeParties(t.store);
    payloadHash2 = bodyOf(events.find((e) => e.documentId === do2) as LoggedEvent).payloadHash;
    expect(t.unexpected).toEqual([]);
  } finally {
    await t.close();
  }
}, 60_000);

async function audit(trail: LoggedEvent[], timestamp?: string): Promise<AuditResult> {
  return auditTrail({ events: trail, treeHead: await headOver(trail, timestamp), validateCertificate, parties });
}

const found = (result: AuditResult) => result.problems.map((p) => ({ code: p.code, ...(p.rule ? { rule: p.rule } : {}), seq: p.seq, documentId: p.documentId }));

const doEvent = (documentId: string, type: string, actor: string, data: Record<string, unknown> = {}) => ({
  documentId,
  kind: 'delivery-order' as const,
  type,
  actor: { partyId: actor, userId: null },
  payloadHash: documentId === do2 ? payloadHash2 : bodyOf(events[0] as LoggedEvent).payloadHash,
  data,
});

describe('the offline audit replays the lifecycle', () => {
  it('when the trail is the one the service wrote, then every rule holds', async () => {
    const result = await audit(events);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('when the consignee releases a D/O never presented, then the release breaks the lifecycle', async () => {
    const result = await audit(await appendEvent(events, doEvent(do2, 'release', P.consignee)));
    expect(found(result)).toEqual([{ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', seq: 2, documentId: do2 }]);
    expect(result.ok).toBe(false);
  });

  it('when the terminal releases a D/O twice, then the second release is refused as already released', async () => {
    const result = await audit(await appendEvent(events, doEvent(do1, 'release', P.terminal)));
    expect(found(result)).toEqual([{ code: 'event-breaks-lifecycle', rule: 'already-released', seq: 4, documentId: do1 }]);
  });

  it('when a shipper issues a D/O, then its issue is refused for the role', async () => {
    const [first] = events;
    const payload = first?.payload;
    const result = await audit(await appendEvent(events, { ...doEvent('crafted-do', 'issue', P.shipper, { version: 1 }), payloadHash: bodyOf(first as LoggedEvent).payloadHash }, { payload }));
    expect(found(result)).toEqual([{ code: 'event-breaks-lifecycle', rule: 'issuer-role-not-allowed', seq: 1, documentId: 'crafted-do' }]);
  });

  it('when anything happens after a void, then it is refused as closed', async () => {
    let trail = await appendEvent(events, doEvent(do2, 'void', P.agentSha, { reason: 'wrong vessel' }));
    trail = await appendEvent(trail, doEvent(do2, 'transfer', P.consignee, { to: P.forwarder }));
    expect(found(await audit(trail))).toEqual([{ code: 'event-breaks-lifecycle', rule: 'document-closed', seq: 3, documentId: do2 }]);
  });

  it('when an event type or document kind is unknown, then each is named', async () => {
    let trail = await appendEvent(events, doEvent(do2, 'teleport', P.consignee));
    trail = await appendEvent(trail, { ...doEvent('crafted-bl', 'issue', P.agentSha), kind: 'bill-of-lading' as never });
    trail = await appendEvent(trail, { ...doEvent(do2, 'present', P.consignee, { to: P.terminal }), kind: 'eir' });
    expect(found(await audit(trail))).toEqual([
      { code: 'event-type-unknown', seq: 2, documentId: do2 },
      { code: 'document-kind-unknown', seq: 1, documentId: 'crafted-bl' },
      { code: 'event-kind-mismatch', seq: 3, documentId: do2 },
    ]);
  });

  it('when the payload is missing or not the one the events sign, then the document cannot pass', async () => {
    const missing = events.map((e) => (e.documentId === do2 ? { logIndex: e.logIndex, documentId: e.documentId, seq: e.seq, envelope: e.envelope } : e));
    expect(found(await audit(missing))).toEqual([{ code: 'payload-missing', seq: 1, documentId: do2 }]);
    const other = events.map((e) => (e.documentId === do2 ? { ...e, payload: events[0]?.payload } : e));
    const changed = other.map((e) => (e.documentId === do2 ? { ...e, payload: { ...(e.payload as object), blNumber: 'X' } } : e));
    expect(found(await audit(changed))[0]?.code).toMatch(/^payload-(invalid|hash-mismatch)$/);
  });

  it('when a D/O goes to another platform, events of its stay there need it to be there', async () => {
    // Sent to PORT, refused by PORT (back to the consignee), sent again and released there: the rules hold.
    let trail = await appendEvent(events, doEvent(do2, 'transfer', P.consignee, { to: 'PORT:demo-consignee' }));
    trail = await appendEvent(trail, doEvent(do2, 'transfer-refused', P.consignee, { peer: 'PORT', responseCode: 'BENV', returnTo: { holder: P.consignee, status: 'issued' } }));
    trail = await appendEvent(trail, doEvent(do2, 'transfer', P.consignee, { to: 'PORT:demo-consignee' }));
    trail = await appendEvent(trail, doEvent(do2, 'transferred-out', P.consignee, { peer: 'PORT', responseCode: 'RECE' }));
    trail = await appendEvent(trail, doEvent(do2, 'released-elsewhere', P.agentSha, { peer: 'PORT' }));
    expect(found(await audit(trail))).toEqual([]);
    // Told released elsewhere while held here, or acted on here while held there: both break the lifecycle.
    const here = await appendEvent(events, doEvent(do2, 'released-elsewhere', P.agentSha, { peer: 'PORT' }));
    expect(found(await audit(here))).toEqual([{ code: 'event-breaks-lifecycle', rule: 'invalid-state-transition', seq: 2, documentId: do2 }]);
    let there = await appendEvent(events, doEvent(do2, 'transfer', P.consignee, { to: 'PORT:demo-consignee' }));
    there = await appendEvent(there, doEvent(do2, 'void', P.agentSha, { reason: 'sent by mistake' }));
    expect(found(await audit(there))).toEqual([{ code: 'event-breaks-lifecycle', rule: 'held-elsewhere', seq: 3, documentId: do2 }]);
  });

  it('when the tree head is dated before an event it covers, then the head is flagged', async () => {
    const result = await audit(events, '2026-02-01T00:00:00.000Z');
    expect(result.problems.map((p) => p.code)).toEqual(['tree-head-predates-events']);
    expect(result.problems[0]?.message).toMatch(/dated 2026-02-01T00:00:00.000Z, before the event at log index \d+ /);
  });

  it('when an event says ES256 but its signer holds an RSA key, then the algorithm mismatch is named', async () => {
    // A PKCS#1 v1.5 signature by the forwarder's real RSA key, under a header claiming ES256.
    const real = await partyKeys.signerFor(P.forwarder);
    expect(real.keyType).toBe('rsa');
    const key = createPrivateKey(readFileSync(certsDevPath(`parties/${P.forwarder}.key.pem`)));
    const lying = { ...real, algorithm: 'ES256' as const, sign: async (data: Uint8Array) => new Uint8Array(sign('sha256', data, key)) };
    let trail = await appendEvent(events, doEvent(do2, 'transfer', P.consignee, { to: P.forwarder }));
    trail = await appendEvent(trail, doEvent(do2, 'present', P.forwarder, { to: P.terminal }), { signer: lying });
    const result = await audit(trail);
    expect(found(result)).toEqual([{ code: 'event-alg-mismatch', seq: 3, documentId: do2 }]);
    expect(result.problems[0]?.message).toMatch(/alg ES256, but the signer's certificate holds an rsa key/);
  });
});
