import {
  Client,
  P,
  byteRangeCount,
  expectChain,
  expectProblem,
  expectStatus,
  expectValidPdf,
  gateRecordExample,
  payloadOf,
  photo,
  sha256Hex,
  useExchange,
} from './exchange-client';

let c: Client;
useExchange((_app, client) => {
  c = client;
});

describe('EIR: issue → gate record with a photo → haulier countersigns', () => {
  it('ends with a PDF carrying the facility’s and the haulier’s signatures, and a valid chain', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    expect(eir).toMatchObject({ kind: 'eir', status: 'issued', issuer: P.terminal, holder: P.haulierA, sequence: 1 });

    const front = photo('gate-photo-front.jpg');
    const door = photo('gate-photo-door.png');
    const uploadFront = await c.attach(P.terminal, eir.id, front, 'front.jpg', 'image/jpeg');
    expectStatus(uploadFront, 201);
    expect(uploadFront.body).toEqual({ sha256: sha256Hex(front), size: front.length, mediaType: 'image/jpeg' });
    const uploadDoor = await c.attach(P.terminal, eir.id, door, 'door.png', 'image/png');
    expectStatus(uploadDoor, 201);
    expect(uploadDoor.body).toMatchObject({ sha256: sha256Hex(door), mediaType: 'image/png' });

    const record = gateRecordExample();
    record['photoSha256'] = [sha256Hex(front)];
    (record['damages'] as Record<string, unknown>[])[0]!['photoSha256'] = [sha256Hex(door)];
    const recorded = await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: record });
    expect(recorded).toMatchObject({ status: 'gate-recorded', holder: P.haulierA, sequence: 2 });
    const recordedPdf = await c.pdf(P.haulierA, eir.id);
    expect(byteRangeCount(recordedPdf)).toBe(1);
    await expectValidPdf(recordedPdf, eir.payloadHash);

    const countersigned = await c.acted(P.haulierA, eir.id, { type: 'countersign' });
    expect(countersigned).toMatchObject({ status: 'countersigned', sequence: 3 });

    const pdf = await c.pdf(P.terminal, eir.id);
    expect(byteRangeCount(pdf)).toBe(2);
    const report = await expectValidPdf(pdf, eir.payloadHash);
    expect(report.signatures).toHaveLength(2);
    expect(report.signatures.map((s) => s.signerSubject)).toEqual([
      expect.stringContaining('Yangshan'),
      expect.stringContaining('Donghai'),
    ]);
    expect(report.signatures[1]?.coversWholeDocument).toBe(true);
    // The countersignature is an incremental update of the gate-recorded PDF.
    expect(pdf.subarray(0, recordedPdf.length).equals(recordedPdf)).toBe(true);

    const view = await c.document(P.haulierA, eir.id);
    expect(view.events.map((e) => [e.type, e.actor])).toEqual([
      ['issue', P.terminal],
      ['gate-record', P.terminal],
      ['countersign', P.haulierA],
    ]);
    const gate = view.events[1]?.data['gateRecord'] as Record<string, unknown>;
    expect(gate['photoSha256']).toEqual([sha256Hex(front)]);
    expect(view.events[1]?.data['pdfSha256']).toBe(sha256Hex(recordedPdf));
    expect(view.events[2]?.data['pdfSha256']).toBe(sha256Hex(pdf));
    expect(view.pdfSha256).toBe(sha256Hex(pdf));
    expectChain(view);

    // Countersigned is final.
    expectProblem(await c.act(P.haulierA, eir.id, { type: 'countersign' }), 409, 'document-closed');
    expectProblem(await c.act(P.terminal, eir.id, { type: 'void', reason: 'Too late' }), 409, 'document-closed');
  });

  it('a gate record naming a photo nobody uploaded is 422 and changes nothing', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    const record = { ...gateRecordExample(), photoSha256: [sha256Hex('never uploaded')] };
    const res = await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord: record });
    expectProblem(res, 422);
    expect(res.body.errors).toEqual([expect.objectContaining({ code: 'unknown-attachment' })]);
    expect((await c.document(P.terminal, eir.id)).sequence).toBe(1);
    await expectValidPdf(await c.pdf(P.terminal, eir.id), eir.payloadHash);
  });

  it('a gate record naming a PDF attachment as a photo is 422', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    const paper = await c.pdf(P.terminal, eir.id);
    expectStatus(await c.attach(P.terminal, eir.id, paper, 'paper.pdf', 'application/pdf'), 201);
    const record = { ...gateRecordExample(), photoSha256: [sha256Hex(paper)] };
    expectProblem(await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord: record }), 422);
  });

  it('countersigning before the gate record is 409 invalid-state-transition', async () => {
    const eir = await c.issued(P.terminal, 'eir');
    expectProblem(await c.act(P.haulierA, eir.id, { type: 'countersign' }), 409, 'invalid-state-transition');
  });

  it('a depot issues and gate-records its own EIR; the terminal is no part of it', async () => {
    const payload = payloadOf('eir', (p) => {
      p['direction'] = 'IN';
      p['purpose'] = 'empty-return';
      const container = p['container'] as Record<string, unknown>;
      container['fullEmpty'] = 'EMPTY';
      delete container['grossWeightKg'];
      p['facility'] = { unLocode: 'CNSHA', name: 'Waigaoqiao Demo Empty Depot', operator: { partyId: P.depot, name: 'Waigaoqiao Demo Empty Depot' } };
      p['haulier'] = { partyId: P.haulierB, name: 'Pudong Express Haulage (demo)' };
    });
    const eir = await c.issued(P.depot, 'eir', payload);
    expect(eir.holder).toBe(P.haulierB);
    expectProblem(await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordExample() }), 404, 'not-found');
    await c.acted(P.depot, eir.id, { type: 'gate-record', gateRecord: { ...gateRecordExample(), condition: 'sound', damages: [] } });
    await c.acted(P.haulierB, eir.id, { type: 'countersign' });
    const pdf = await c.pdf(P.depot, eir.id);
    const report = await expectValidPdf(pdf, eir.payloadHash);
    expect(report.signatures).toHaveLength(2);
    expectChain(await c.document(P.depot, eir.id));
  });
});
