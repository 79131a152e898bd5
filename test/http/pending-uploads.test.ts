// Uploads no event references are pending: a per-party quota holds them, a sweep deletes them after
// 24 h, and a gate record cannot tell another party's pending photo from one that does not exist.
import type { Response } from 'supertest';
import type { TestApp } from '../support/test-app';
import {
  Client,
  P,
  expectProblem,
  expectStatus,
  expectValidPdf,
  gateRecordExample,
  payloadOf,
  photo,
  sha256Hex,
  useExchange,
  type DocumentBody,
  type PartyName,
} from './exchange-client';

const HOUR = 3_600_000;
const MiB = 1024 * 1024;

/** A JPEG at heart, `size` bytes long, different for each `tag`. */
function bigJpeg(tag: string, size = 300 * 1024): Buffer {
  const bytes = Buffer.alloc(size, 0x20);
  photo('gate-photo-front.jpg').copy(bytes);
  bytes.write(`${tag} ${Date.now()}`, size - 64, 'latin1');
  return bytes;
}

/** A small real photo made unique by bytes after its end marker. */
function uniquePhoto(tag: string): Buffer {
  return Buffer.concat([photo('gate-photo-front.jpg'), Buffer.from(`${tag} ${Date.now()} ${Math.random()}`)]);
}

function gateRecordCiting(...hashes: string[]): Record<string, unknown> {
  return { ...gateRecordExample(), photoSha256: hashes };
}

describe('the quota of pending uploads (SDX_PENDING_UPLOAD_MB=1)', () => {
  let t: TestApp;
  let c: Client;
  let eir: DocumentBody;
  useExchange(
    async (app, client) => {
      t = app;
      c = client;
      eir = await client.issued(P.terminal, 'eir');
    },
    { env: { SDX_PENDING_UPLOAD_MB: '1' } },
  );

  it('when a party uploads past 1 MiB that no event references, then it gets 413 upload-quota and nothing is stored', async () => {
    const accepted: Buffer[] = [];
    let refused: { bytes: Buffer; res: Response } | undefined;
    for (let i = 0; i < 10 && !refused; i += 1) {
      const bytes = bigJpeg(`quota ${i}`);
      const res = await c.attach(P.terminal, eir.id, bytes, `${i}.jpg`, 'image/jpeg');
      if (res.status === 201) accepted.push(bytes);
      else refused = { bytes, res };
    }
    expect(accepted).toHaveLength(3);
    if (!refused) throw new Error('never refused');
    expectProblem(refused.res, 413, 'upload-quota');
    expect(refused.res.body.detail).toContain(`quota of ${MiB}`);
    expect(await t.store.getBlob(sha256Hex(refused.bytes))).toBeUndefined();
    expect(await t.store.pendingUploadBytes(P.terminal)).toBe(3 * 300 * 1024);

    // The same bytes again are no new burden; the haulier's quota is its own.
    expectStatus(await c.attach(P.terminal, eir.id, accepted[0] ?? Buffer.alloc(0), 'again.jpg', 'image/jpeg'), 201);
    expectStatus(await c.attach(P.haulierA, eir.id, refused.bytes, 'h.jpg', 'image/jpeg'), 201);

    // Swept a day later, the uploads no longer count.
    await t.sweeper.sweepOnce(new Date(Date.now() + 25 * HOUR));
    expect(await t.store.pendingUploadBytes(P.terminal)).toBe(0);
    expectStatus(await c.attach(P.terminal, eir.id, refused.bytes, 'later.jpg', 'image/jpeg'), 201);
  });

  it('when photos are cited by a gate record, then they count no more against the quota', async () => {
    const cited = uniquePhoto('cited');
    expectStatus(await c.attach(P.terminal, eir.id, cited, 'cited.jpg', 'image/jpeg'), 201);
    const before = await t.store.pendingUploadBytes(P.terminal);
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(cited)) });
    expect(await t.store.pendingUploadBytes(P.terminal)).toBe(before - cited.length);
    expect(await t.store.getBlob(sha256Hex(cited))).toMatchObject({ pending: false });
  });
});

describe('the sweep of unreferenced uploads', () => {
  let t: TestApp;
  let c: Client;
  useExchange((app, client) => {
    t = app;
    c = client;
  });

  it('when a day has passed, then an unreferenced upload is gone, while a cited photo and the signed PDFs stay', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    const unreferenced = uniquePhoto('never cited');
    const cited = uniquePhoto('cited');
    expectStatus(await c.attach(P.terminal, eir.id, unreferenced, 'u.jpg', 'image/jpeg'), 201);
    expectStatus(await c.attach(P.terminal, eir.id, cited, 'c.jpg', 'image/jpeg'), 201);
    const recorded = await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(cited)) });
    const pdfs = [eir.pdfSha256, recorded.pdfSha256];

    // Younger than 24 h: kept.
    await t.sweeper.sweepOnce(new Date(Date.now() + 23 * HOUR));
    expect(await t.store.getBlob(sha256Hex(unreferenced))).toMatchObject({ pending: true });

    await t.sweeper.sweepOnce(new Date(Date.now() + 25 * HOUR));
    expect(await t.store.getBlob(sha256Hex(unreferenced))).toBeUndefined();
    expect(await t.store.getBlob(sha256Hex(cited))).toMatchObject({ pending: false });
    for (const sha of pdfs) expect(await t.store.getBlob(sha ?? '')).toMatchObject({ pending: false, mediaType: 'application/pdf' });
    await expectValidPdf(await c.pdf(P.terminal, eir.id), eir.payloadHash);

    // Citing the swept photo is refused as never uploaded; uploading it again brings it back.
    const countersignable = await c.issued(P.terminal, 'eir');
    const refused = await c.act(P.terminal, countersignable.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(unreferenced)) });
    expectProblem(refused, 422, 'validation-failed');
    expect(refused.body.errors).toEqual([expect.objectContaining({ code: 'unknown-attachment' })]);
    expectStatus(await c.attach(P.terminal, countersignable.id, unreferenced, 'u.jpg', 'image/jpeg'), 201);
    await c.acted(P.terminal, countersignable.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(unreferenced)) });
  });

  it('when someone uploads the bytes of a cited photo again, then it stays referenced through any sweep', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    const cited = uniquePhoto('cited then re-uploaded');
    expectStatus(await c.attach(P.terminal, eir.id, cited, 'c.jpg', 'image/jpeg'), 201);
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(cited)) });
    expectStatus(await c.attach(P.haulierA, eir.id, cited, 'again.jpg', 'image/jpeg'), 201);
    await t.sweeper.sweepOnce(new Date(Date.now() + 48 * HOUR));
    expect(await t.store.getBlob(sha256Hex(cited))).toMatchObject({ pending: false });
  });
});

describe('a gate record citing a photo the caller cannot see', () => {
  let c: Client;
  useExchange((_app, client) => {
    c = client;
  });

  /** The answer with the cited hash blanked out, so two answers about different hashes compare. */
  function shapeOf(res: Response, sha: string): { status: number; type: string | undefined; body: string } {
    return { status: res.status, type: res.headers['content-type'], body: JSON.stringify(res.body).split(sha).join('<sha256>') };
  }

  async function citing(party: PartyName, id: string, sha: string): Promise<ReturnType<typeof shapeOf>> {
    return shapeOf(await c.act(party, id, { type: 'gate-record', gateRecord: gateRecordCiting(sha) }), sha);
  }

  it("when the terminal cites another party's unreferenced photo, then the answer is the same as for a hash nobody uploaded", async () => {
    const eir = await c.issued(P.terminal, 'eir');
    const depotsEir = await c.issued(
      P.depot,
      'eir',
      payloadOf('eir', (p) => {
        p['direction'] = 'IN';
        p['purpose'] = 'empty-return';
        const container = p['container'] as Record<string, unknown>;
        container['fullEmpty'] = 'EMPTY';
        delete container['grossWeightKg'];
        p['facility'] = { unLocode: 'CNSHA', name: 'Waigaoqiao Demo Empty Depot', operator: { partyId: P.depot, name: 'Waigaoqiao Demo Empty Depot' } };
        p['haulier'] = { partyId: P.haulierB, name: 'Pudong Express Haulage (demo)' };
      }),
    );
    const depotsPhoto = uniquePhoto('depot, unreferenced');
    const hauliersPhoto = uniquePhoto('haulier, on the same EIR, unreferenced');
    expectStatus(await c.attach(P.depot, depotsEir.id, depotsPhoto, 'd.jpg', 'image/jpeg'), 201);
    expectStatus(await c.attach(P.haulierA, eir.id, hauliersPhoto, 'h.jpg', 'image/jpeg'), 201);

    const nobodys = await citing(P.terminal, eir.id, sha256Hex(`random ${Math.random()}`));
    expect(nobodys.status).toBe(422);
    expect(nobodys.body).toContain('unknown-attachment');
    expect(await citing(P.terminal, eir.id, sha256Hex(depotsPhoto))).toEqual(nobodys);
    expect(await citing(P.terminal, eir.id, sha256Hex(hauliersPhoto))).toEqual(nobodys);

    // Referenced by the depot's own EIR, which the terminal takes no part in: still unseen.
    await c.acted(P.depot, depotsEir.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(depotsPhoto)) });
    expect(await citing(P.terminal, eir.id, sha256Hex(depotsPhoto))).toEqual(nobodys);
    expect((await c.document(P.terminal, eir.id)).sequence).toBe(1);
  });

  it('when the photo is on a document the caller takes part in, or the caller uploaded the same bytes, then it may cite it', async () => {
    const first = await c.issued(P.terminal, 'eir');
    const second = await c.issued(P.terminal, 'eir');
    const shared = uniquePhoto('shared');
    expectStatus(await c.attach(P.terminal, first.id, shared, 's.jpg', 'image/jpeg'), 201);
    await c.acted(P.terminal, first.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(shared)) });
    await c.acted(P.terminal, second.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(shared)) });

    const hauliers = uniquePhoto('haulier and terminal both hold it');
    const third = await c.issued(P.terminal, 'eir');
    expectStatus(await c.attach(P.haulierA, third.id, hauliers, 'h.jpg', 'image/jpeg'), 201);
    expectStatus(await c.attach(P.terminal, third.id, hauliers, 't.jpg', 'image/jpeg'), 201);
    await c.acted(P.terminal, third.id, { type: 'gate-record', gateRecord: gateRecordCiting(sha256Hex(hauliers)) });
  });
});
