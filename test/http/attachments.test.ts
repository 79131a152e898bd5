import request from 'supertest';
import type { TestApp } from '../support/test-app';
import { API, Client, P, expectProblem, expectStatus, expectValidPdf, photo, sha256Hex, type DocumentBody, useExchange } from './exchange-client';

const TEN_MB = 10 * 1024 * 1024;

let t: TestApp;
let c: Client;
let eir: DocumentBody;
useExchange(async (app, client) => {
  t = app;
  c = client;
  eir = await client.issued(P.terminal, 'eir');
});

/** Refused bytes must leave no blob behind. */
async function expectNotStored(bytes: Buffer): Promise<void> {
  expect(await t.store.getBlob(sha256Hex(bytes))).toBeUndefined();
}

describe('POST /documents/:id/attachments', () => {
  it('accepts a JPEG, a PNG and a PDF, content-addressed by SHA-256', async () => {
    const jpeg = photo('gate-photo-front.jpg');
    const png = photo('gate-photo-door.png');
    const pdf = await c.pdf(P.terminal, eir.id);
    for (const [bytes, name, type] of [
      [jpeg, 'front.jpg', 'image/jpeg'],
      [png, 'door.png', 'image/png'],
      [pdf, 'paper.pdf', 'application/pdf'],
    ] as const) {
      const res = await c.attach(P.terminal, eir.id, bytes, name, type);
      expectStatus(res, 201);
      expect(res.body).toEqual({ sha256: sha256Hex(bytes), size: bytes.length, mediaType: type });
      const blob = await t.store.getBlob(sha256Hex(bytes));
      expect(blob?.mediaType).toBe(type);
      expect(Buffer.from(blob?.bytes ?? []).equals(bytes)).toBe(true);
    }
    await expectValidPdf(pdf, eir.payloadHash);
  });

  it('the haulier named in the EIR may attach too; uploading the same photo twice stores it once', async () => {
    const jpeg = photo('gate-photo-front.jpg');
    const first = await c.attach(P.haulierA, eir.id, jpeg, 'a.jpg', 'image/jpeg');
    const second = await c.attach(P.haulierA, eir.id, jpeg, 'b.jpg', 'image/jpeg');
    expectStatus(first, 201);
    expectStatus(second, 201);
    expect(second.body.sha256).toBe(first.body.sha256);
  });

  it('judges the type by the bytes, not the declared Content-Type', async () => {
    const png = photo('gate-photo-door.png');
    const res = await c.attach(P.terminal, eir.id, png, 'door.txt', 'text/plain');
    expectStatus(res, 201);
    expect(res.body.mediaType).toBe('image/png');
  });

  it('refuses a text file with 415 and stores nothing', async () => {
    const text = Buffer.from(`Gate note ${Date.now()}: container looked fine.\n`);
    expectProblem(await c.attach(P.terminal, eir.id, text, 'note.txt', 'text/plain'), 415, 'unsupported-media-type');
    await expectNotStored(text);
    // Declaring it an image changes nothing.
    expectProblem(await c.attach(P.terminal, eir.id, text, 'note.jpg', 'image/jpeg'), 415, 'unsupported-media-type');
    await expectNotStored(text);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expectProblem(await c.attach(P.terminal, eir.id, svg, 'x.svg', 'image/svg+xml'), 415);
    await expectNotStored(svg);
  });

  it('refuses a file over 10 MB with 413 and stores nothing', async () => {
    const big = Buffer.alloc(TEN_MB + 1, 0x41);
    photo('gate-photo-front.jpg').copy(big); // a JPEG at heart, so only the size is wrong
    expectProblem(await c.attach(P.terminal, eir.id, big, 'big.jpg', 'image/jpeg'), 413, 'attachment-too-large');
    await expectNotStored(big);
    await expectNotStored(big.subarray(0, TEN_MB));
  });

  it('accepts a file of exactly 10 MB', async () => {
    const limit = Buffer.alloc(TEN_MB, 0x42);
    photo('gate-photo-door.png').copy(limit);
    const res = await c.attach(P.terminal, eir.id, limit, 'limit.png', 'image/png');
    expectStatus(res, 201);
    expect(res.body.size).toBe(TEN_MB);
  });

  it('refuses a request without a file, with two files, or without multipart', async () => {
    const noFile = await request(t.app).post(`${API}/documents/${eir.id}/attachments`).set('Authorization', c.auth(P.terminal)).field('note', 'x');
    expectProblem(noFile, 422, 'file-required');
    const wrongField = await request(t.app)
      .post(`${API}/documents/${eir.id}/attachments`)
      .set('Authorization', c.auth(P.terminal))
      .attach('photo', photo('gate-photo-front.jpg'), 'x.jpg');
    expectProblem(wrongField, 422);
    const twoFiles = await request(t.app)
      .post(`${API}/documents/${eir.id}/attachments`)
      .set('Authorization', c.auth(P.terminal))
      .attach('file', photo('gate-photo-front.jpg'), 'a.jpg')
      .attach('file', photo('gate-photo-door.png'), 'b.png');
    expectProblem(twoFiles, 422);
    const json = await c.post(P.terminal, `/documents/${eir.id}/attachments`, { file: 'aGVsbG8=' });
    expectProblem(json, 422);
    const broken = await request(t.app)
      .post(`${API}/documents/${eir.id}/attachments`)
      .set('Authorization', c.auth(P.terminal))
      .set('content-type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff');
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
  });

  it('needs a key, and refuses an unknown document with 404 and stores nothing', async () => {
    const jpeg = Buffer.concat([photo('gate-photo-front.jpg'), Buffer.from('unknown-doc')]);
    const anonymous = await request(t.app).post(`${API}/documents/${eir.id}/attachments`).attach('file', jpeg, 'x.jpg');
    expectProblem(anonymous, 401);
    expectProblem(await c.attach(P.terminal, 'doc-nope', jpeg, 'x.jpg', 'image/jpeg'), 404, 'not-found');
    await expectNotStored(jpeg);
  });
});

describe('POST /verify', () => {
  it('verifies an uploaded signed PDF and refuses anything else with 415', async () => {
    const pdf = await c.pdf(P.terminal, eir.id);
    const res = await request(t.app).post('/verify').attach('file', pdf, { filename: 'eir.pdf', contentType: 'application/pdf' });
    expectStatus(res, 200);
    expect(res.body.verdict).toBe('valid');
    expect(res.body.signatures).toHaveLength(1);
    const notPdf = await request(t.app).post('/verify').attach('file', photo('gate-photo-front.jpg'), 'x.pdf');
    expectProblem(notPdf, 415, 'unsupported-media-type');
  });

  it('finds a tampered PDF invalid', async () => {
    const pdf = Buffer.from(await c.pdf(P.terminal, eir.id));
    const at = pdf.indexOf('CSQU3054383');
    const tampered = Buffer.from(pdf);
    if (at >= 0) tampered.write('CSQU3054384', at, 'latin1');
    else tampered.writeUInt8((tampered.readUInt8(Math.floor(pdf.length / 3)) ^ 0x01) & 0xff, Math.floor(pdf.length / 3));
    const res = await request(t.app).post('/verify').attach('file', tampered, { filename: 'eir.pdf', contentType: 'application/pdf' });
    expectStatus(res, 200);
    expect(res.body.verdict).not.toBe('valid');
  });
});
