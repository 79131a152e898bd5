// Issue 14 through the built `sdx verify`: the demo files exactly as `sdx demo` writes them, a
// forgery of each class crafted from them, and the exit codes people and scripts act on
// (valid 0, invalid 1, unusable input 2, indeterminate 3). Needs `npm run build`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx } from '../support/built-cli';
import { exampleJson } from '../support/examples';
import {
  BODY_BAND,
  addEmptySignatureField,
  addFakeSignatureText,
  expiredSigner,
  partySigner,
  reRenderAndSign,
  revisionBytes,
  sdxStyleSign,
  signUpdate,
} from '../support/pdf-forgery-kit';
import { unsignedPdf } from '../support/pdf-test-signing';
import { P } from '../http/exchange-client';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'sdx-verify-forgery-'));
const demo: Record<'delivery-order' | 'eir' | 'telex-release-guarantee', Uint8Array> = {
  'delivery-order': new Uint8Array(),
  eir: new Uint8Array(),
  'telex-release-guarantee': new Uint8Array(),
};

beforeAll(() => {
  const made = runSdx(['demo', '--out', join(dir, 'demo')], { env: { SDX_PADES_LEVEL: 'T' } });
  if (made.code !== 0) throw new Error(`sdx demo failed: ${made.stderr}`);
  for (const kind of Object.keys(demo) as (keyof typeof demo)[]) demo[kind] = new Uint8Array(readFileSync(join(dir, 'demo', `${kind}.pdf`)));
});

let counter = 0;
function verify(pdf: Uint8Array, ...flags: string[]): { code: number | null; stdout: string; stderr: string } {
  const file = join(dir, `case-${++counter}.pdf`);
  writeFileSync(file, pdf);
  return runSdx(['verify', file, ...flags]);
}

function expectExit(result: { code: number | null; stdout: string; stderr: string }, code: number): void {
  if (result.code !== code) throw new Error(`expected exit ${code}, got ${result.code}:\n${result.stdout}\n${result.stderr}`);
}

/** The demo D/O as the issuer hands it out, the EIR and guarantee after their first signature. */
const firstSigned = (kind: keyof typeof demo): Uint8Array => new Uint8Array(revisionBytes(demo[kind], 1));

describe('sdx verify on the demo files and forgeries of them', () => {
  it.each(['delivery-order', 'eir', 'telex-release-guarantee'] as const)('when the demo %s is verified as written: exit 0', (kind) => {
    const result = verify(demo[kind]);
    expectExit(result, 0);
    expect(result.stdout).toMatch(/verdict: valid/);
  });

  it('class 1: when the demo D/O gets an empty signature field whiting out the consignee, then a forwarder signs: exit 1, field-added-after-signature', async () => {
    const staged = addEmptySignatureField(firstSigned('delivery-order'), { name: 'approval', rect: BODY_BAND, page: 'first', lines: ['Consignee: Bund Freight Forwarding (demo)'] });
    const result = verify(await sdxStyleSign(staged, partySigner(P.forwarder)));
    expectExit(result, 1);
    expect(result.stdout).toContain('[field-added-after-signature]');
  });

  it('class 1: when the demo EIR’s haulier countersigns in a new field whose widget hides the damage lines: exit 1', async () => {
    const pdf = await signUpdate(firstSigned('eir'), partySigner(P.haulierA), {
      field: { create: 'approval', rect: BODY_BAND, page: 'first' },
      lines: ['Condition: SOUND', 'Damages: none'],
    });
    expectExit(verify(pdf), 1);
  });

  it('class 1 on a foreign PDF: when a second signature’s widget whites out the page: exit 3 (indeterminate), JSON verdict indeterminate', async () => {
    const once = await signUpdate(await unsignedPdf(), partySigner(P.forwarder), { field: { create: 'Signature1' } });
    const pdf = await signUpdate(once, partySigner(P.haulierA), { field: { create: 'Signature2', rect: [40, 600, 560, 800], page: 0 }, lines: ['release to ANYONE'] });
    expectExit(verify(pdf), 3);
    const json = verify(pdf, '--json');
    expectExit(json, 3);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'indeterminate' });
  });

  it('class 2: when the demo guarantee is re-rendered with another consignee and signed by the carrier’s agent: exit 1, signer-not-issuer', async () => {
    const payload = exampleJson('telex-release-guarantee');
    payload['consignee'] = { ...(payload['consignee'] as Record<string, unknown>), name: 'Bund Freight Forwarding (demo)' };
    const pdf = await reRenderAndSign(firstSigned('telex-release-guarantee'), { kind: 'telex-release-guarantee', payload, signer: partySigner(P.agentPus) });
    const result = verify(pdf);
    expectExit(result, 1);
    expect(result.stdout).toContain('[signer-not-issuer]');
  });

  it('class 3: when the demo D/O is countersigned with the expired certificate and back-dated claims: exit 1', async () => {
    const inside = new Date('2026-01-01T12:00:00Z');
    const pdf = await sdxStyleSign(firstSigned('delivery-order'), expiredSigner(), { signingTime: inside, cmsSigningTime: inside });
    const result = verify(pdf);
    expectExit(result, 1);
    expect(result.stdout).toMatch(/FAIL signature\[1\]\.validity/);
  });

  it('class 4: when the demo EIR is countersigned with a second bogus SignerInfo: exit 1, multiple-signer-infos', async () => {
    const pdf = await sdxStyleSign(firstSigned('eir'), partySigner(P.haulierA), { secondSignerInfo: {} });
    const result = verify(pdf);
    expectExit(result, 1);
    expect(result.stdout).toContain('[multiple-signer-infos]');
  });

  it('class 4: when an unsigned PDF carries signature-dictionary text in a stream: exit 1, no-signatures', async () => {
    const result = verify(await addFakeSignatureText(await unsignedPdf(), partySigner(P.forwarder)));
    expectExit(result, 1);
    expect(result.stdout).toContain('[no-signatures]');
  });

  it('when the input is not a PDF at all: exit 2', () => {
    expectExit(verify(new TextEncoder().encode('not a pdf')), 2);
  });
});
