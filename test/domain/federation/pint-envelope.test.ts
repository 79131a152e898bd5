import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { platformJwk, signJws, signedContentChecksum, type JwsSigner } from '../../../src/domain/federation/compact-jws';
import {
  chainIssuer,
  checkEnvelope,
  decideReceipt,
  openReceipt,
  pintPartyOf,
  sealEnvelope,
  signChainEntry,
  signReceipt,
  type CheckedEnvelope,
  type Envelope,
  type FinishedResponse,
  type PlatformKeys,
  type Transaction,
} from '../../../src/domain/federation/pint-envelope';
import { dcsaProblems, type DcsaSchema } from '../../support/dcsa-schemas';
import { exampleJson } from '../../support/examples';

function platformSigner(): JwsSigner {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return { key, kid: platformJwk(key).kid };
}

const signers: Record<string, JwsSigner> = { CAR1: platformSigner(), PORT: platformSigner(), FWD: platformSigner() };
const keys: PlatformKeys = async (platform, kid) => {
  const signer = signers[platform];
  return signer && signer.kid === kid ? signer.key : undefined;
};
const CAR1 = signers['CAR1'] as JwsSigner;
const PORT = signers['PORT'] as JwsSigner;

/** A D/O naming demo-carrier (SCAC POCL) and its agent demo-agent-sha. */
const document = exampleJson('delivery-order');
const carrier = pintPartyOf('CAR1', 'demo-carrier', 'COSCO Demo Lines');
const consignee = pintPartyOf('CAR1', 'demo-consignee', 'Shanghai Demo Imports');
const portConsignee = pintPartyOf('PORT', 'demo-forwarder', 'Port Demo Forwarding');
const at = (minute: number) => `2026-12-03T08:${String(minute).padStart(2, '0')}:00.000Z`;
const issue: Transaction = { actionCode: 'ISSUE', actor: carrier, recipient: consignee, actionDateTime: at(0) };
const handOver: Transaction = { actionCode: 'TRANSFER', actor: consignee, recipient: portConsignee, actionDateTime: at(5) };
const pdf = { name: 'DO-2026-0001.pdf', size: 48213, mediaType: 'application/pdf', documentChecksum: 'ab'.repeat(32) };

/** CAR1 issues to its consignee, who transfers to a party on PORT: one entry, ISSUE then TRANSFER. */
function carrierEnvelope(transactions: Transaction[] = [issue, handOver]): Envelope {
  const chain = [signChainEntry({ platform: 'CAR1', document, transactions }, CAR1)];
  return sealEnvelope({ document, chain, supportingDocuments: [pdf] }, CAR1);
}

const payload = (token: string): unknown => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
/** CAR1 hosts the carrier and its agent; FWD hosts a forwarder only. */
const hosts: Record<string, { parties: string[]; carriers: string[] }> = { CAR1: { parties: ['demo-carrier', 'demo-agent-sha'], carriers: ['POCL'] }, FWD: { parties: ['demo-forwarder'], carriers: [] } };
const atPort = (body: unknown, sender = 'CAR1') => checkEnvelope(body, { sender, receiver: 'PORT', keys, hostsOf: (platform) => hosts[platform] });

function expectConforms(schema: DcsaSchema, value: unknown): void {
  expect({ schema, problems: dcsaProblems(schema, value, { closed: true }) }).toEqual({ schema, problems: [] });
}

describe('PINT envelope pieces against PINT 3.0.0', () => {
  it('the chain entry, manifest and signed contents conform, field names included', () => {
    const envelope = carrierEnvelope();
    for (const token of envelope.envelopeTransferChain) {
      expectConforms('pint-signed-content', token);
      expectConforms('pint-transfer-chain-entry', payload(token));
    }
    expectConforms('pint-signed-content', envelope.envelopeManifestSignedContent);
    expectConforms('pint-envelope-manifest', payload(envelope.envelopeManifestSignedContent));
  });

  it('a later entry names the checksum of the signed entry before it; both conform', () => {
    const first = signChainEntry({ platform: 'CAR1', document, transactions: [issue, handOver] }, CAR1);
    const second = signChainEntry({ platform: 'PORT', document, previous: first, transactions: [{ actionCode: 'TRANSFER', actor: portConsignee, recipient: pintPartyOf('FWD', 'demo-haulier-a', 'Haulier A'), actionDateTime: at(9) }] }, PORT);
    expect(payload(second)).toMatchObject({ eblPlatform: 'PORT', previousEnvelopeTransferChainEntrySignedContentChecksum: signedContentChecksum(first) });
    expect(payload(first)).not.toHaveProperty('previousEnvelopeTransferChainEntrySignedContentChecksum');
    expectConforms('pint-transfer-chain-entry', payload(second));
  });

  it.each<[string, Omit<FinishedResponse, 'lastEnvelopeTransferChainEntrySignedContentChecksum'>]>([
    ['RECE', { responseCode: 'RECE', receivedAdditionalDocumentChecksums: [pdf.documentChecksum] }],
    ['DUPE', { responseCode: 'DUPE', duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent: 'a.b.c', receivedAdditionalDocumentChecksums: [] }],
    ['BSIG', { responseCode: 'BSIG', reason: 'chain entry 0 is not signed by CAR1’s key' }],
    ['BENV', { responseCode: 'BENV', reason: 'x'.repeat(300) }],
    ['MDOC', { responseCode: 'MDOC', missingAdditionalDocumentChecksums: [pdf.documentChecksum] }],
    ['DISE', { responseCode: 'DISE', reason: 'another chain was accepted' }],
  ])('a signed %s receipt conforms, its reason cut to PINT’s 255', (_code, fields) => {
    const token = signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: 'cd'.repeat(32), ...fields }, PORT);
    expectConforms('pint-signed-content', token);
    expectConforms('pint-finished-response', payload(token));
    expect(String((payload(token) as { reason?: string }).reason ?? '').length).toBeLessThanOrEqual(255);
  });

  it('the schema check itself fails a wrong field name and a bad checksum', () => {
    const entry = payload(carrierEnvelope().envelopeTransferChain[0] ?? '') as Record<string, unknown>;
    expect(dcsaProblems('pint-transfer-chain-entry', { ...entry, platform: 'CAR1' }, { closed: true })).not.toEqual([]);
    expect(dcsaProblems('pint-envelope-manifest', { transportDocumentChecksum: 'AB', lastEnvelopeTransferChainEntrySignedContentChecksum: 'cd'.repeat(32) }, { closed: true })).not.toEqual([]);
  });
});

/** A copy of a compact JWS with its payload replaced and the old signature kept. */
function withPayload(token: string, change: (p: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.');
  const value = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  change(value);
  return `${h}.${Buffer.from(JSON.stringify(value)).toString('base64url')}.${s}`;
}

describe('the receiver’s check of an envelope', () => {
  it('accepts a well-formed envelope and gives its checksums', async () => {
    const envelope = carrierEnvelope();
    const checked = await atPort(envelope);
    expect(checked).toMatchObject({ ok: true, lastChecksum: signedContentChecksum(envelope.envelopeTransferChain[0] ?? '') });
  });

  it('when a chain entry is changed after signing, then BSIG', async () => {
    const envelope = carrierEnvelope();
    const [entry = ''] = envelope.envelopeTransferChain;
    const tampered = withPayload(entry, (p) => {
      ((p['transactions'] as Record<string, unknown>[])[1] as Record<string, unknown>)['actionDateTime'] = at(59);
    });
    // Re-sealed by the sender so the manifest names the tampered entry: only the entry's own signature is wrong.
    const resealed = sealEnvelope({ document, chain: [tampered], supportingDocuments: [pdf] }, CAR1);
    expect(await atPort(resealed)).toMatchObject({ ok: false, responseCode: 'BSIG' });
  });

  it('when the manifest is signed by a key the sender does not have, then BSIG', async () => {
    const envelope = carrierEnvelope();
    const forged = { ...envelope, envelopeManifestSignedContent: signJws(payload(envelope.envelopeManifestSignedContent), platformSigner()) };
    expect(await atPort(forged)).toMatchObject({ ok: false, responseCode: 'BSIG' });
  });

  it.each<[string, (e: Envelope) => unknown]>([
    ['the document changed', (e) => ({ ...e, transportDocument: { ...document, deliveryOrderNumber: 'DO-2026-0002' } })],
    ['the manifest naming another last entry', (e) => ({ ...e, envelopeTransferChain: [carrierEnvelope([issue, { ...handOver, actionDateTime: at(6) }]).envelopeTransferChain[0]] })],
    ['a field the envelope does not have', (e) => ({ ...e, extra: 1 })],
    ['no chain', (e) => ({ ...e, envelopeTransferChain: [] })],
    ['a manifest that is no JWS', (e) => ({ ...e, envelopeManifestSignedContent: 'a.b.c' })],
  ])('when %s, then BENV', async (_what, change) => {
    expect(await atPort(change(carrierEnvelope()))).toMatchObject({ ok: false, responseCode: 'BENV' });
  });

  it('when the first entry does not start with ISSUE, then BENV', async () => {
    expect(await atPort(carrierEnvelope([handOver]))).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('ISSUE') });
  });

  it('when the handover goes to a party of another platform, then BENV', async () => {
    const elsewhere = carrierEnvelope([issue, { ...handOver, recipient: pintPartyOf('FWD', 'demo-forwarder', 'Forwarder') }]);
    expect(await atPort(elsewhere)).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('PORT') });
  });

  it('when an entry skips its link to the entry before, then BENV', async () => {
    const first = signChainEntry({ platform: 'CAR1', document, transactions: [issue, { ...handOver, recipient: portConsignee }] }, CAR1);
    const unlinked = signChainEntry({ platform: 'CAR1', document, transactions: [{ ...handOver, actionDateTime: at(7) }] }, CAR1);
    const envelope = sealEnvelope({ document, chain: [first, unlinked] }, CAR1);
    expect(await atPort(envelope)).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('link') });
  });
});

describe('who may issue across platforms', () => {
  const agent = pintPartyOf('CAR1', 'demo-agent-sha', 'Agent');
  it('a peer hosting the carrier and its agent issues: accepted', async () => {
    expect(await atPort(carrierEnvelope([{ ...issue, actor: agent }, handOver]))).toMatchObject({ ok: true });
  });

  it('a peer that does not host the issuer named in the document signs its ISSUE: BENV', async () => {
    // FWD's key is good, but demo-carrier is not FWD's to issue for.
    const forged = (actor: Transaction['actor']) => {
      const chain = [signChainEntry({ platform: 'FWD', document, transactions: [{ ...issue, actor }, { ...handOver, actor: pintPartyOf('FWD', 'demo-consignee', 'C') }] }, signers['FWD'] as JwsSigner)];
      return sealEnvelope({ document, chain, supportingDocuments: [pdf] }, signers['FWD'] as JwsSigner);
    };
    expect(await atPort(forged(pintPartyOf('FWD', 'demo-carrier', 'Carrier')), 'FWD')).toMatchObject({ ok: false, responseCode: 'BENV', reason: 'FWD is not entitled to issue for demo-carrier' });
    // Naming CAR1's carrier as the actor while FWD signs: the actor is not FWD's.
    expect(await atPort(forged(carrier), 'FWD')).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('an actor of another platform than FWD') });
    // A party FWD does host, but not one the document names as its issuer.
    expect(await atPort(forged(pintPartyOf('FWD', 'demo-forwarder', 'F')), 'FWD')).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('not named in the document') });
  });

  it('an entitled peer issuing a D/O for a carrier it does not host: BENV', async () => {
    const other = { ...document, carrier: { partyId: 'other-carrier', name: 'Other Line', scac: 'OTHL' }, carrierAgent: { partyId: 'demo-agent-sha', name: 'Agent' } };
    const chain = [signChainEntry({ platform: 'CAR1', document: other, transactions: [{ ...issue, actor: agent }, handOver] }, CAR1)];
    expect(await atPort(sealEnvelope({ document: other, chain, supportingDocuments: [pdf] }, CAR1))).toMatchObject({ ok: false, responseCode: 'BENV', reason: 'CAR1 is not entitled to issue for carrier OTHL' });
    // Hosting the carrier by its SCAC alone is enough.
    hosts['CAR1']?.carriers.push('OTHL');
    expect(await atPort(sealEnvelope({ document: other, chain, supportingDocuments: [pdf] }, CAR1))).toMatchObject({ ok: true });
    hosts['CAR1']?.carriers.pop();
  });

  it('a platform the chain never handed the document to signs a middle entry: BENV', async () => {
    const first = signChainEntry({ platform: 'CAR1', document, transactions: [issue, { ...handOver, recipient: pintPartyOf('PORT', 'demo-consignee', 'C') }] }, CAR1);
    const FWD = signers['FWD'] as JwsSigner;
    const hijack = signChainEntry({ platform: 'FWD', document, previous: first, transactions: [{ ...handOver, actor: pintPartyOf('FWD', 'demo-forwarder', 'F'), actionDateTime: at(8) }] }, FWD);
    expect(await atPort(sealEnvelope({ document, chain: [first, hijack], supportingDocuments: [pdf] }, FWD), 'FWD')).toMatchObject({ ok: false, responseCode: 'BENV', reason: expect.stringContaining('handed') });
  });
});

describe('the receipt decision', () => {
  const none = { acceptedLast: new Set<string>(), acceptedChain: [] };
  async function checked(envelope: Envelope): Promise<CheckedEnvelope> {
    const result = await atPort(envelope);
    if (!result.ok) throw new Error(result.reason);
    return result;
  }

  it('first time with the PDF received: RECE; without it: MDOC listing it', async () => {
    const c = await checked(carrierEnvelope());
    expect(decideReceipt(c, none, new Set([pdf.documentChecksum]), 'PORT')).toEqual({ responseCode: 'RECE' });
    expect(decideReceipt(c, none, new Set(), 'PORT')).toEqual({ responseCode: 'MDOC', missing: [pdf.documentChecksum] });
  });

  it('the same envelope again: DUPE', async () => {
    const c = await checked(carrierEnvelope());
    expect(decideReceipt(c, { acceptedLast: new Set([c.lastChecksum]), acceptedChain: c.checksums }, new Set(), 'PORT').responseCode).toBe('DUPE');
  });

  it('a second envelope for a document already accepted here, signed again by the carrier: DISE', async () => {
    const accepted = await checked(carrierEnvelope());
    // CAR1 going on after the entry that handed the document to PORT is refused before any decision (see the chain checks).
    const second = signChainEntry({ platform: 'CAR1', document, previous: accepted.envelope.envelopeTransferChain[0], transactions: [{ ...handOver, actionDateTime: at(30) }] }, CAR1);
    expect(await atPort(sealEnvelope({ document, chain: [accepted.envelope.envelopeTransferChain[0] ?? '', second] }, CAR1))).toMatchObject({ ok: false, responseCode: 'BENV' });
    // A different first entry for the same document (a forked chain, a double spend): DISE.
    const fork = await checked(carrierEnvelope([issue, { ...handOver, actionDateTime: at(6) }]));
    expect(decideReceipt(fork, { acceptedLast: new Set([accepted.lastChecksum]), acceptedChain: accepted.checksums }, new Set(), 'PORT').responseCode).toBe('DISE');
  });
});

describe('the sender’s reading of a receipt', () => {
  const last = 'cd'.repeat(32);
  const portKey = (kid: string): KeyObject | undefined => (kid === PORT.kid ? PORT.key : undefined);

  it('takes a receipt the receiver signed for the entry sent', () => {
    const token = signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE', receivedAdditionalDocumentChecksums: [pdf.documentChecksum] }, PORT);
    expect(openReceipt(token, portKey, last)).toEqual({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE', receivedAdditionalDocumentChecksums: [pdf.documentChecksum] });
  });

  it.each<[string, unknown]>([
    ['an unsigned JSON answer', { lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE' }],
    ['a receipt signed by another key', signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE' }, CAR1)],
    ['a receipt for another entry', signReceipt({ lastEnvelopeTransferChainEntrySignedContentChecksum: 'ef'.repeat(32), responseCode: 'RECE' }, PORT)],
    ['a receipt with an unknown code', signJws({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'OKAY' }, PORT)],
  ])('relies on nothing from %s', (_what, answer) => {
    expect(openReceipt(answer, portKey, last)).toBeUndefined();
  });
});

describe('who issued the document a chain is for', () => {
  it('is the first entry’s ISSUE actor, under its platform: kept by later entries too', () => {
    const first = signChainEntry({ platform: 'CAR1', document, transactions: [issue, handOver] }, CAR1);
    const second = signChainEntry({ platform: 'PORT', document, previous: first, transactions: [{ ...handOver, actor: portConsignee }] }, PORT);
    expect(chainIssuer([first, second])).toBe('CAR1:demo-carrier');
  });

  it('is unknown for a chain that does not start with an ISSUE, or is not a chain', () => {
    expect(chainIssuer([signChainEntry({ platform: 'CAR1', document, transactions: [handOver] }, CAR1)])).toBeUndefined();
    expect(chainIssuer([])).toBeUndefined();
    expect(chainIssuer(['not.a.jws'])).toBeUndefined();
  });
});
