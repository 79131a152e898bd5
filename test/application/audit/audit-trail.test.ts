// The audit of a real trail: events issued and acted on through the API (real party signatures),
// exported from the app's store with a head signed by the certs-dev log key, then altered the ways
// an operator or attacker could alter them.
import { createHash, createPrivateKey } from 'node:crypto';
import { auditCertificateCheck } from '../../../src/adapters/pki/audit-certificate-check';
import { createKeyObjectSigner } from '../../../src/adapters/pki/key-object-signer';
import { PemDirectoryKeyStore } from '../../../src/adapters/pki/file-key-store';
import { decodePem } from '../../../src/adapters/pki/pem';
import { exportBundle, storeLogEvents, type AuditBundle, type LoggedEvent } from '../../../src/application/audit/audit-bundle';
import { auditTrail, MAX_LISTED_PROBLEMS, type AuditProblem, type AuditResult } from '../../../src/application/audit/audit-trail';
import { signTreeHead, type SignedTreeHead } from '../../../src/application/audit/tree-head';
import { openEvent, signEvent, type EventBody } from '../../../src/application/events/signed-event';
import type { PartySigner } from '../../../src/application/ports/key-store.port';
import { openLogSigner, openLogService } from '../../../src/main';
import { settingsOrThrow } from '../../../src/settings';
import { certsDev, certsDevCertificate, certsDevText, certsDevTrust } from '../../support/certs-dev';
import { headOver } from '../../support/crafted-trail';
import { startTestApp, type TestApp } from '../../support/test-app';
import { Client, P } from '../../http/exchange-client';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let t: TestApp;
/** Signed after the first three events. */
let head3: SignedTreeHead;
/** Signed over all seven events. */
let head: SignedTreeHead;
let bundle: AuditBundle;
let logSigner: PartySigner;
const partyKeys = new PemDirectoryKeyStore(certsDev);
const validateCertificate = auditCertificateCheck(certsDevTrust(), { logCertificates: [certsDevCertificate('log-signing.pem')] });

beforeAll(async () => {
  t = await startTestApp();
  const c = new Client(t);
  const log = openLogService(t.store, settingsOrThrow());
  logSigner = openLogSigner(settingsOrThrow());
  // Log order: d1#1 d1#2 eir#1 | d1#3 d2#1 d2#2 d1#4
  const d1 = await c.deliveryOrder();
  await c.acted(P.consignee, d1.id, { type: 'transfer', to: P.forwarder });
  await c.issued(P.terminal, 'eir');
  head3 = await log.currentTreeHead();
  await c.acted(P.forwarder, d1.id, { type: 'present', to: P.terminal });
  const d2 = await c.deliveryOrder();
  await c.acted(P.consignee, d2.id, { type: 'present', to: P.terminal });
  await c.acted(P.terminal, d1.id, { type: 'release' });
  head = await log.currentTreeHead();
  bundle = await exportBundle(t.store, head);
}, 60_000);

afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

function audit(events: LoggedEvent[], treeHead = head, olderHead?: SignedTreeHead): Promise<AuditResult> {
  return auditTrail({ events, treeHead, ...(olderHead ? { olderHead } : {}), validateCertificate });
}

const codes = (result: AuditResult) => result.problems.map((p) => p.code);
const problem = (result: AuditResult, code: string): AuditProblem | undefined => result.problems.find((p) => p.code === code);
const copy = () => bundle.events.map((e) => ({ ...e }));
const body = (e: LoggedEvent) => openEvent(e.envelope).body;

/** The envelope with one character of its signed payload replaced by another base64url character. */
function flipOneByte(envelope: string): string {
  const at = envelope.indexOf('.') + 20;
  const was = envelope[at] as string;
  return envelope.slice(0, at) + (was === 'A' ? 'B' : 'A') + envelope.slice(at + 1);
}

/** Renumbers log indexes 0..n-1 in the given order, as a store rewritten in that order would. */
const renumber = (events: LoggedEvent[]) => events.map((e, i) => ({ ...e, logIndex: i }));

/**
 * A different history that is internally consistent: every event re-signed by its actor's own
 * certs-dev key, `prev` recomputed per document, log indexes renumbered. Only the log key's head is
 * not redone.
 */
async function rewrite(events: LoggedEvent[], change: (body: EventBody, i: number) => EventBody, signerFor?: (body: EventBody) => Promise<PartySigner>): Promise<LoggedEvent[]> {
  const last = new Map<string, string>();
  const out: LoggedEvent[] = [];
  for (const [i, e] of events.entries()) {
    const original = body(e);
    const changed = change(original, i);
    const next: EventBody = { ...changed, prev: last.get(changed.documentId) ?? null };
    // ECDSA signatures differ on each signing, so an untouched event keeps its envelope.
    const untouched = !signerFor && JSON.stringify(next) === JSON.stringify(original);
    const envelope = untouched
      ? e.envelope
      : await signEvent(next, signerFor ? await signerFor(next) : await partyKeys.signerFor(next.actor.partyId));
    last.set(next.documentId, sha256Hex(envelope));
    out.push({ logIndex: i, documentId: next.documentId, seq: next.seq, envelope });
  }
  return out;
}

describe('auditTrail on an intact trail', () => {
  it('when nothing was changed, then every check holds', async () => {
    expect(bundle.events.map((e) => e.logIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const result = await audit(bundle.events);
    expect(result).toEqual({ ok: true, problems: [], checked: { events: 7, documents: 3, treeSize: 7 } });
  });

  it('when the store is read in pages, then the events are the same in log order', async () => {
    const paged: LoggedEvent[] = [];
    for await (const e of storeLogEvents(t.store, head.size, { pageSize: 2, payloads: true })) paged.push(e);
    expect(paged).toEqual(bundle.events);
  });

  it('when the store is audited, then its stored leaves equal the recomputed ones', async () => {
    const result = await auditTrail({
      events: bundle.events,
      treeHead: head,
      validateCertificate,
      storedLeaf: async (index) => (await t.store.logNodes([{ level: 0, index }]))[0],
    });
    expect(result.problems).toEqual([]);
  });

  it('when the events come as an async iterable, then the result is the same and progress reaches the end', async () => {
    const progress: [number, number][] = [];
    async function* events() {
      yield* bundle.events;
    }
    const result = await auditTrail({ events: events(), treeHead: head, validateCertificate, onProgress: (done, total) => progress.push([done, total]) });
    expect(result.ok).toBe(true);
    expect(progress.at(-1)).toEqual([7, 7]);
  });

  it('when an older head was saved at a smaller size, then the log is consistent with it', async () => {
    expect(head3.size).toBe(3);
    expect((await audit(bundle.events, head, head3)).problems).toEqual([]);
    expect((await audit(bundle.events, head, head)).problems).toEqual([]);
  });

  it('when the head is the older one, then only its first events are audited against it', async () => {
    const result = await audit(bundle.events.slice(0, 3), head3);
    expect(result).toEqual({ ok: true, problems: [], checked: { events: 3, documents: 2, treeSize: 3 } });
  });
});

describe('auditTrail detects tampering', () => {
  it('when one byte of an event changes, then its signature fails, the next event of its document no longer links, and the root differs', async () => {
    const events = copy();
    events[1] = { ...events[1]!, envelope: flipOneByte(events[1]!.envelope) };
    const result = await audit(events);
    expect(result.ok).toBe(false);
    expect(problem(result, 'event-signature-invalid')).toMatchObject({ logIndex: 1, documentId: events[1]!.documentId, seq: 2 });
    expect(problem(result, 'prev-mismatch')).toMatchObject({ logIndex: 3, documentId: events[1]!.documentId, seq: 3 });
    expect(codes(result)).toContain('root-mismatch');
  });

  it('when one byte of a stored event changes, then its stored leaf no longer matches it', async () => {
    const events = copy();
    events[4] = { ...events[4]!, envelope: flipOneByte(events[4]!.envelope) };
    const result = await auditTrail({
      events,
      treeHead: head,
      validateCertificate,
      storedLeaf: async (index) => (await t.store.logNodes([{ level: 0, index }]))[0],
    });
    expect(problem(result, 'leaf-mismatch')).toMatchObject({ logIndex: 4, seq: 1 });
  });

  it('when an event is deleted, then its log index is missing, its document has a gap and the log is short', async () => {
    const events = copy();
    const [deleted] = events.splice(3, 1);
    const result = await audit(events);
    expect(problem(result, 'event-missing')).toMatchObject({ logIndex: 3 });
    expect(problem(result, 'seq-gap')).toMatchObject({ logIndex: 6, documentId: deleted!.documentId, seq: 4 });
    expect(codes(result)).toContain('log-size-mismatch');
  });

  it('when the last event is deleted, then the log ends before the head', async () => {
    const result = await audit(copy().slice(0, 6));
    expect(codes(result)).toEqual(['event-missing', 'log-size-mismatch']);
    expect(problem(result, 'event-missing')).toMatchObject({ logIndex: 6 });
  });

  it('when two events of one document swap places in the log, then its sequence breaks and the root differs', async () => {
    const events = copy();
    [events[0], events[1]] = [events[1]!, events[0]!];
    const result = await audit(renumber(events));
    expect(problem(result, 'seq-gap')).toMatchObject({ logIndex: 0, seq: 2 });
    expect(problem(result, 'seq-out-of-order')).toMatchObject({ logIndex: 1, seq: 1 });
    expect(codes(result)).toContain('root-mismatch');
  });

  it('when two rows are moved but keep their log indexes, then the log order is broken', async () => {
    const events = copy();
    [events[2], events[3]] = [events[3]!, events[2]!];
    const result = await audit(events);
    expect(problem(result, 'event-missing')).toMatchObject({ logIndex: 2 });
    expect(problem(result, 'log-index-out-of-order')).toMatchObject({ logIndex: 2 });
    expect(codes(result)).toContain('root-mismatch');
  });

  it('when two documents\' events are reordered with each chain intact, then only the root shows it', async () => {
    const events = copy();
    // d1#2 and eir#1 belong to different documents: every signature and chain still holds.
    [events[1], events[2]] = [events[2]!, events[1]!];
    const result = await audit(renumber(events));
    expect(codes(result)).toEqual(['root-mismatch']);
  });

  it('when history is rewritten and every event re-signed by its party, then the root differs from the signed head', async () => {
    const rewritten = await rewrite(copy(), (b, i) => (i === 1 ? { ...b, data: { ...b.data, to: P.shipper } } : b));
    expect(body(rewritten[1]!).data['to']).toBe(P.shipper);
    const result = await audit(rewritten);
    expect(codes(result)).toEqual(['root-mismatch']);
  });

  it('when the operator also signs a new head over the rewritten history, then the auditor\'s saved head exposes it', async () => {
    const rewritten = await rewrite(copy(), (b, i) => (i === 1 ? { ...b, data: { ...b.data, to: P.shipper } } : b));
    const forgedHead = await headOver(rewritten);
    expect((await audit(rewritten, forgedHead)).problems).toEqual([]);
    const result = await audit(rewritten, forgedHead, head3);
    expect(codes(result)).toEqual(['inconsistent-with-saved-head']);
    // A rewrite after the saved head's size is not inconsistent with it, but is with a later head.
    const late = await rewrite(copy(), (b, i) => (i === 5 ? { ...b, data: { ...b.data, extra: 1 } } : b));
    expect((await audit(late, await headOver(late), head3)).problems).toEqual([]);
    expect(codes(await audit(late, await headOver(late), head))).toEqual(['inconsistent-with-saved-head']);
  });

  it('when a saved head carries a forged root signed by the log key, then the log is inconsistent with it', async () => {
    const forged = await signTreeHead({ size: head3.size, rootHash: 'ab'.repeat(32), timestamp: head3.timestamp }, logSigner);
    const result = await audit(bundle.events, head, forged);
    expect(codes(result)).toEqual(['inconsistent-with-saved-head']);
  });

  it('when a saved head\'s root is edited without re-signing, then its signature fails as well', async () => {
    const result = await audit(bundle.events, head, { ...head3, rootHash: 'ab'.repeat(32) });
    expect(codes(result)).toEqual(['saved-head-invalid', 'inconsistent-with-saved-head']);
  });

  it('when the saved head is larger than the log now, then the log shrank', async () => {
    const result = await audit(bundle.events.slice(0, 3), head3, head);
    expect(codes(result)).toEqual(['inconsistent-with-saved-head']);
    expect(result.problems[0]?.message).toMatch(/shrank/);
  });

  it('when the head\'s body is edited, then the tree head is invalid', async () => {
    expect(codes(await audit(bundle.events, { ...head, timestamp: '2020-01-01T00:00:00.000Z' }))).toEqual(['tree-head-invalid']);
    const shrunk = await audit(bundle.events.slice(0, 6), { ...head, size: 6 });
    expect(codes(shrunk)).toEqual(['tree-head-invalid', 'root-mismatch']);
  });

  it('when a head is signed by a party\'s key instead of the log\'s, then it is untrusted', async () => {
    const partySigned = await signTreeHead({ size: head.size, rootHash: head.rootHash, timestamp: head.timestamp }, await partyKeys.signerFor(P.carrier));
    const result = await audit(bundle.events, partySigned);
    expect(codes(result)).toEqual(['tree-head-untrusted']);
    expect(result.problems[0]?.message).toMatch(/--log-cert/);
  });

  it('when an event is signed with a revoked certificate, then its signer is untrusted', async () => {
    const revoked = createKeyObjectSigner({
      partyId: 'sdx-dev-revoked',
      privateKey: createPrivateKey(certsDevText('revoked/revoked-signer.key.pem')),
      certificate: certsDevCertificate('revoked/revoked-signer.pem'),
      chain: decodePem(certsDevText('issuing-ca.pem'), 'CERTIFICATE'),
    });
    const events = await rewrite(copy(), (b) => b, (b) => (b.seq === 2 && b.type === 'transfer' ? Promise.resolve(revoked) : partyKeys.signerFor(b.actor.partyId)));
    const result = await audit(events, await headOver(events));
    // The revoked certificate is not the actor's own either.
    expect(codes(result)).toEqual(['event-signer-mismatch', 'event-signer-untrusted']);
    expect(problem(result, 'event-signer-untrusted')).toMatchObject({ logIndex: 1 });
    expect(problem(result, 'event-signer-untrusted')?.message).toMatch(/revoked/);
  });

  it("when an event is signed with another trusted party's key, then the signer does not match its actor", async () => {
    const events = await rewrite(copy(), (b) => b, (b) =>
      partyKeys.signerFor(b.seq === 2 && b.type === 'transfer' ? 'demo-forwarder' : b.actor.partyId),
    );
    const result = await audit(events, await headOver(events));
    expect(codes(result)).toEqual(['event-signer-mismatch']);
    expect(problem(result, 'event-signer-mismatch')).toMatchObject({ logIndex: 1 });
  });

  it('when a row names another document or seq than its signed event, then they mismatch', async () => {
    const events = copy();
    events[2] = { ...events[2]!, seq: 9 };
    const result = await audit(events);
    expect(codes(result)).toEqual(['event-row-mismatch']);
  });
});

describe('auditTrail never throws', () => {
  it('when reading the events fails, then the audit reports it', async () => {
    function* failing() {
      yield bundle.events[0]!;
      throw new Error('disk I/O error');
    }
    const result = await auditTrail({ events: failing(), treeHead: head, validateCertificate });
    expect(result.ok).toBe(false);
    expect(problem(result, 'audit-failed')?.message).toMatch(/after 1 events: disk I\/O error/);
  });

  it('when the certificate check throws, then the event is untrusted', async () => {
    const result = await auditTrail({ events: bundle.events, treeHead: head, validateCertificate: () => Promise.reject(new Error('boom')) });
    expect(codes(result)).toContain('tree-head-untrusted');
    expect(codes(result).filter((c) => c === 'event-signer-untrusted')).toHaveLength(7);
  });

  it(`when there are many problems, then it lists ${MAX_LISTED_PROBLEMS} and says how many more`, async () => {
    const junk = Array.from({ length: 150 }, (_, i) => ({ logIndex: i, documentId: 'x', seq: i + 1, envelope: 'not.a.jws' }));
    const result = await audit(junk);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(result.problems.at(-1)).toMatchObject({ code: 'too-many-problems' });
    expect(result.checked.events).toBe(150);
  });

  it('when the head is not even well-formed, then it says so', async () => {
    const result = await audit(bundle.events, { ...head, size: -1, rootHash: 'zz' });
    expect(codes(result)).toEqual(['tree-head-invalid']);
  });
});
