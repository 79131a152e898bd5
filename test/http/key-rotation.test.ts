import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signPdf } from '../../src/adapters/pdf/sign/pades-signer';
import type { PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import { createKeyObjectSigner } from '../../src/adapters/pki/key-object-signer';
import { decodePem } from '../../src/adapters/pki/pem';
import { auditCommand } from '../../src/cli/audit.command';
import { keysCommand } from '../../src/cli/keys.command';
import { appearanceFont } from '../support/appearance-font';
import { startTestApp, type TestApp } from '../support/test-app';
import { demoPkiParties, findingOf, folderTsa, signerCertificates, tempDevPki } from '../support/temp-dev-pki';
import { Client, P, expectChain, expectProblem, payloadOf } from './exchange-client';
import { settingsOrThrow } from '../../src/settings';

// The real app on a PKI of its own in a temporary folder (certs-dev stays untouched): the agent's
// key is rotated and its certificates revoked with the sdx keys commands, as an operator would.
const AGENT = P.agentSha;
const DAY_MS = 24 * 60 * 60 * 1000;

let dir: string;
let dbFile: string;
let t: TestApp;
let c: Client;
const cli: string[] = [];
const io = { out: (line: string) => cli.push(line), err: (line: string) => cli.push(line) };

/** The service as started on the same database after an operator changed its keys or CRL. */
async function restart(): Promise<void> {
  await t?.close();
  t = await startTestApp({ dbFile, env: { SDX_CERTS_DIR: dir } });
  c = new Client(t);
  const health = await request(t.app).get('/healthz');
  expect(health.body.integrity).toMatchObject({ state: 'ok' });
}

async function keys(...args: string[]): Promise<void> {
  const code = await keysCommand([...args, '--certs-dir', dir], io, settingsOrThrow());
  if (code !== 0) throw new Error(`sdx keys ${args.join(' ')} exited ${code}: ${cli.join('\n')}`);
}

async function verified(pdf: Uint8Array): Promise<PdfVerificationReport> {
  const res = await request(t.app).post('/verify').attach('file', Buffer.from(pdf), 'document.pdf');
  expect(res.status).toBe(200);
  return res.body as PdfVerificationReport;
}

function certificateOf(generation: 1 | 2): Buffer {
  const der = decodePem(readFileSync(join(dir, 'parties', generation === 1 ? `${AGENT}.pem` : `${AGENT}.2.pem`), 'utf8'), 'CERTIFICATE')[0];
  if (!der) throw new Error(`generation ${generation} holds no certificate`);
  return Buffer.from(der);
}

/**
 * The next whole second, once it has passed (at most a second's wait): CRLs and the TSA count in
 * whole seconds, so a revocation at it falls strictly after everything signed before the call.
 */
async function nextWholeSecond(): Promise<Date> {
  const next = new Date((Math.floor(Date.now() / 1000) + 1) * 1000);
  await new Promise((done) => setTimeout(done, next.getTime() - Date.now() + 1));
  return next;
}

beforeAll(async () => {
  dir = await tempDevPki(new Date(Date.now() - DAY_MS), demoPkiParties());
  dbFile = join(mkdtempSync(join(tmpdir(), 'sdx-rotation-db-')), 'sdx.sqlite');
  await restart();
});
afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dbFile, '..'), { recursive: true, force: true });
});

const pdfs: Record<string, Buffer> = {};
const ids: Record<string, string> = {};

describe('a party key rotated and revoked under a running service', () => {
  it('when the agent key is rotated, then the next D/O is signed with the new certificate, without a restart, and both PDFs verify', async () => {
    const first = await c.deliveryOrder();
    pdfs['first'] = await c.pdf(P.consignee, first.id);
    expect(signerCertificates(pdfs['first'])).toEqual([certificateOf(1)]);

    await keys('rotate', '--party', AGENT);
    expect(cli).toContain(`rotated ${AGENT}: generation 2 in ${join(dir, 'parties', `${AGENT}.2.pem`)}`);

    const second = await c.deliveryOrder();
    ids['second'] = second.id;
    pdfs['second'] = await c.pdf(P.consignee, second.id);
    expect(signerCertificates(pdfs['second'])).toEqual([certificateOf(2)]);
    expect(certificateOf(2)).not.toEqual(certificateOf(1));

    for (const pdf of [pdfs['first'], pdfs['second']]) expect((await verified(pdf)).verdict).toBe('valid');
    expectChain(await c.document(P.consignee, first.id));
    expectChain(await c.document(P.consignee, second.id));
  });

  it('when the first certificate is revoked after those documents, then the restarted service passes its audit, signs with the second, and the old PDF stays valid naming the revocation time', async () => {
    const revokedAt = await nextWholeSecond();
    await keys('revoke', '--party', AGENT, '--generation', '1', '--at', revokedAt.toISOString());
    await restart();

    const third = await c.deliveryOrder();
    ids['third'] = third.id;
    expect(signerCertificates(await c.pdf(P.consignee, third.id))).toEqual([certificateOf(2)]);

    const report = await verified(pdfs['first']!);
    expect(report.verdict).toBe('valid');
    const revocation = findingOf(report.findings, 'signature[0].revocation');
    expect(revocation).toMatchObject({ status: 'valid', code: 'revoked-after-signing' });
    expect(revocation.message).toContain(revokedAt.toISOString());
  });

  it('when every certificate of the agent is revoked, then issuing and acting as the agent are refused with 409 signer-revoked and nothing is recorded', async () => {
    const revokedAt = await nextWholeSecond();
    ids['revokedAt'] = revokedAt.toISOString();
    await keys('revoke', '--party', AGENT, '--generation', '2', '--at', revokedAt.toISOString());
    await restart();

    const issue = await c.issue(AGENT, 'delivery-order', payloadOf('delivery-order'));
    expectProblem(issue, 409, 'signer-revoked');
    expect(issue.headers['retry-after']).toBeUndefined();
    expect(issue.body.detail).toContain(`was revoked on ${revokedAt.toISOString()}`);
    expect(issue.body.detail).toContain(`sdx keys rotate --party ${AGENT}`);
    expect(issue.body.detail).not.toContain(dir);

    const third = ids['third']!;
    const before = await c.document(P.consignee, third);
    expectProblem(await c.act(AGENT, third, { type: 'void', reason: 'issued in error' }), 409, 'signer-revoked');
    expect((await c.document(P.consignee, third)).sequence).toBe(before.sequence);
    // Other parties' keys are untouched.
    expect((await c.acted(P.consignee, third, { type: 'transfer', to: P.forwarder })).holder).toBe(P.forwarder);
  });

  it('when the revoked key signs after its revocation time, then the verify report marks that signature revoked and keeps the earlier one valid', async () => {
    const revokedAt = new Date(ids['revokedAt']!);
    const stolen = createKeyObjectSigner({
      partyId: AGENT,
      privateKey: createPrivateKey(readFileSync(join(dir, 'parties', `${AGENT}.2.key.pem`), 'utf8')),
      certificate: certificateOf(2),
      chain: decodePem(readFileSync(join(dir, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE'),
    });
    const countersigned = await signPdf(pdfs['second']!, {
      signer: stolen,
      fieldName: 'sdx-late-2',
      signerName: 'after revocation',
      appearanceFont: await appearanceFont(),
      signingTime: new Date(),
      timestampAuthority: folderTsa(dir, () => new Date()),
    });

    const report = await verified(countersigned);
    expect(report.verdict).toBe('invalid');
    expect(findingOf(report.findings, 'signature[0].revocation')).toMatchObject({ status: 'valid', code: 'revoked-after-signing' });
    const late = findingOf(report.findings, 'signature[1].revocation');
    expect(late).toMatchObject({ status: 'invalid', code: 'certificate-revoked' });
    expect(late.message).toContain(`was revoked on ${revokedAt.toISOString()}`);
    expect(findingOf(report.findings, 'signature[1].timestamp')).toMatchObject({ status: 'valid' });
  });

  it('when the trail is exported and verified offline with sdx audit, then every event of both certificates holds', async () => {
    const bundle = join(dir, 'bundle.json');
    const env = { SDX_CERTS_DIR: dir };
    expect(await auditCommand(['export', '--db', dbFile, '--out', bundle], io, settingsOrThrow(env))).toBe(0);
    const code = await auditCommand(['verify', bundle], io, settingsOrThrow(env));
    expect({ code, output: cli.slice(-3) }).toMatchObject({ code: 0 });
  });

  it('when a key is revoked while the service runs and it signs before it learns of it, then the restart still passes its start-up audit and verify shows the revocation', async () => {
    await keys('rotate', '--party', AGENT);
    const order = await c.deliveryOrder();
    const revokedAt = await nextWholeSecond();
    await keys('revoke', '--party', AGENT, '--generation', '3', '--at', revokedAt.toISOString());
    // The running service read its CRLs at start: it still signs with generation 3.
    await c.acted(AGENT, order.id, { type: 'void', reason: 'signed after the revocation, before the restart' });
    await restart();
    const report = await verified(await c.pdf(P.consignee, order.id));
    expect(report.findings.some((f) => f.code === 'certificate-revoked' || f.code === 'revoked-after-signing')).toBe(true);
  });
});
