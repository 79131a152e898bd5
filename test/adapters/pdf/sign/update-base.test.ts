import { join } from 'node:path';
import { DocumentRenderer, loadRenderAssets } from '../../../../src/adapters/pdf/render/render-document';
import { signPdf, type SignPdfOptions } from '../../../../src/adapters/pdf/sign/pades-signer';
import { appendDss } from '../../../../src/adapters/pdf/sign/document-security-store';
import type { AppearanceFont } from '../../../../src/adapters/pdf/sign/signature-appearance';
import { SdxError } from '../../../../src/domain/shared/errors';
import { appearanceFont } from '../../../support/appearance-font';
import { itWith } from '../../../support/external-tools';
import { embeddedSignatures, opensslCmsVerify, qpdfCheck } from '../../../support/pdf-signature-tools';
import { repoRoot } from '../../../support/examples';
import { testPki, type TestPki } from '../../../support/test-pki';
import { exampleInput } from '../render/render-test-kit';

// An update reads the objects it changes through the file's xref tables, not by parsing the whole
// file. These tests give it xref tables that lie in every way a damaged or hand-edited file can,
// and expect the update a whole-file parse writes: the same objects, numbered the same.

const signingTime = new Date('2026-03-01T08:30:00Z');
let pki: TestPki;
let font: AppearanceFont;
let rendered: Uint8Array;
let issued: Uint8Array;

function options(fieldName: string, extra: Partial<SignPdfOptions> = {}): SignPdfOptions {
  return { signer: pki.ecSigner, fieldName, signerName: 'Demo Terminal', appearanceFont: font, signingTime, ...extra };
}

beforeAll(async () => {
  pki = await testPki();
  font = await appearanceFont();
  const renderer = await DocumentRenderer.create(await loadRenderAssets(join(repoRoot, 'templates')));
  rendered = await renderer.render(exampleInput('eir'));
  issued = await signPdf(rendered, options('sdx-issuer'));
});

/** What an update appends to `before`, with the signature value blanked (ECDSA signatures differ run to run). */
function appended(before: Uint8Array, after: Uint8Array): string {
  expect(Buffer.from(after.subarray(0, before.length)).equals(Buffer.from(before))).toBe(true);
  return Buffer.from(after.subarray(before.length)).toString('latin1').replace(/\/Contents <[0-9A-F]+>/g, '/Contents <>');
}

/** The rows of the file's first or last xref table: object number -> where the row starts, and its text. */
function xrefRows(pdf: Uint8Array, table: 'first' | 'last'): Map<number, { at: number; row: string }> {
  const text = Buffer.from(pdf).toString('latin1');
  const start = (table === 'first' ? text.indexOf('\nxref\n') : text.lastIndexOf('\nxref\n')) + '\nxref\n'.length;
  const end = text.indexOf('trailer', start);
  const rows = new Map<number, { at: number; row: string }>();
  let at = start;
  let number = 0;
  let left = 0;
  for (const line of text.slice(start, end).split('\n')) {
    if (left === 0) {
      const [first = '0', count = '0'] = line.trim().split(/\s+/);
      number = Number(first);
      left = Number(count);
    } else {
      rows.set(number, { at, row: line });
      number += 1;
      left -= 1;
    }
    at += line.length + 1;
  }
  return rows;
}

/** `pdf` with `length` bytes at `at` replaced by `text` (same length, so no other offset moves). */
function overwrite(pdf: Uint8Array, at: number, text: string): Uint8Array {
  const copy = Uint8Array.from(pdf);
  copy.set(Buffer.from(text, 'latin1'), at);
  return copy;
}

function trailerRef(pdf: Uint8Array, key: string): number {
  const text = Buffer.from(pdf).toString('latin1');
  const match = new RegExp(`/${key} (\\d+) 0 R`).exec(text.slice(text.lastIndexOf('trailer')));
  if (!match?.[1]) throw new Error(`no /${key} in the trailer`);
  return Number(match[1]);
}

/** The object number of the field (merged with its widget) named `name`, newest version first. */
function fieldNumber(pdf: Uint8Array, name: string): number {
  const text = Buffer.from(pdf).toString('latin1');
  const objects = [...text.matchAll(/(\d+) 0 obj\n<<([\s\S]*?)endobj/g)].reverse();
  const found = objects.find((match) => (match[2] ?? '').includes(`/T (${name})`));
  if (!found?.[1]) throw new Error(`no field ${name}`);
  return Number(found[1]);
}

/** Damaged copies of `pdf`, each the same length: the row of object `target` in one xref table rewritten. */
function damagedXrefs(pdf: Uint8Array, target: number, table: 'first' | 'last' = 'last'): [string, Uint8Array][] {
  const rows = xrefRows(pdf, table);
  const row = rows.get(target);
  const other = [...rows.entries()].find(([number, entry]) => number !== target && / n\s*$/.test(entry.row))?.[1];
  if (!row || !other) throw new Error(`no xref row for ${target} in the ${table} table`);
  const offset = row.row.slice(0, 10);
  const shifted = String(Number(offset) + 3).padStart(10, '0');
  return [
    ['points at another object', overwrite(pdf, row.at, other.row.slice(0, 10))],
    ['points a few bytes into the object', overwrite(pdf, row.at, shifted)],
    ['points past the end of the file', overwrite(pdf, row.at, '9999999999')],
    ['marks the object free', overwrite(pdf, row.at + 17, 'f')],
    ['names another generation', overwrite(pdf, row.at + 11, '00001')],
    ['is not a number', overwrite(pdf, row.at, 'xxxxxxxxxx')],
  ];
}

describe('an incremental update planned from the xref', () => {
  it('when the catalog, the form or the reserved field has a lying xref row, then the signature writes what a whole-file parse writes', async () => {
    const reference = appended(rendered, await signPdf(rendered, options('sdx-issuer')));
    const catalog = trailerRef(rendered, 'Root');
    const acroForm = Number(/\/AcroForm (\d+) 0 R/.exec(Buffer.from(rendered).toString('latin1'))?.[1]);
    const field = fieldNumber(rendered, 'sdx-issuer');
    expect(new Set([catalog, acroForm, field]).size).toBe(3);
    for (const target of [catalog, acroForm, field]) {
      for (const [defect, damaged] of damagedXrefs(rendered, target)) {
        const signed = await signPdf(damaged, options('sdx-issuer'));
        expect({ target, defect, update: appended(damaged, signed) }).toEqual({ target, defect, update: reference });
      }
    }
  });

  it('when a countersignature reads an older revision through /Prev, then a lying row in either table falls back the same way', async () => {
    const reference = appended(issued, await signPdf(issued, options('sdx-counter')));
    const targets = [
      ['catalog, older table', trailerRef(issued, 'Root'), 'first'],
      ['empty field, older table', fieldNumber(issued, 'sdx-counter'), 'first'],
      ['signed field, newer table', fieldNumber(issued, 'sdx-issuer'), 'last'],
    ] as const;
    for (const [target, number, table] of targets) {
      for (const [defect, damaged] of damagedXrefs(issued, number, table)) {
        const signed = await signPdf(damaged, options('sdx-counter'));
        expect({ target, defect, update: appended(damaged, signed) }).toEqual({ target, defect, update: reference });
      }
    }
  });

  it('when /Prev points back at its own table or at nothing, then the update is planned from a whole-file parse', async () => {
    const reference = appended(issued, await signPdf(issued, options('sdx-counter')));
    const text = Buffer.from(issued).toString('latin1');
    const prevAt = text.lastIndexOf('/Prev ') + '/Prev '.length;
    const prevText = /^\d+/.exec(text.slice(prevAt))?.[0] ?? '';
    const ownTable = text.lastIndexOf('\nxref\n') + 1;
    for (const [defect, value] of [
      ['points at its own table', String(ownTable)],
      ['points at the file header', '0'],
      ['points past the end', '9'.repeat(prevText.length)],
    ] as const) {
      if (value.length > prevText.length) continue; // keeps every offset as it is
      const damaged = overwrite(issued, prevAt, value.padStart(prevText.length, '0'));
      const signed = await signPdf(damaged, options('sdx-counter'));
      expect({ defect, update: appended(damaged, signed) }).toEqual({ defect, update: reference });
    }
  });

  it('when the last page has a lying xref row, then a new visible field still lands on it', async () => {
    const reference = appended(rendered, await signPdf(rendered, options('extra', { rect: [40, 40, 200, 90] })));
    const page = Number(/\/P (\d+) 0 R/.exec(Buffer.from(rendered).toString('latin1'))?.[1]);
    for (const [defect, damaged] of damagedXrefs(rendered, page)) {
      const signed = await signPdf(damaged, options('extra', { rect: [40, 40, 200, 90] }));
      expect({ defect, update: appended(damaged, signed) }).toEqual({ defect, update: reference });
    }
  });

  it('when validation data is appended, then the DSS update is the same through the xref as through a whole-file parse', async () => {
    const entry = { vriKey: 'AB'.repeat(20), material: { certificates: [pki.ecSigner.certificate], crls: [], ocsps: [] }, at: signingTime };
    const reference = appended(issued, await appendDss(issued, [entry]));
    for (const [defect, damaged] of damagedXrefs(issued, trailerRef(issued, 'Root'), 'first')) {
      expect({ defect, update: appended(damaged, await appendDss(damaged, [entry])) }).toEqual({ defect, update: reference });
    }
  });

  it('when the xref is whole, then an already signed field is still refused and nothing is written', async () => {
    await expect(signPdf(issued, options('sdx-issuer'))).rejects.toMatchObject({ code: 'signature-field-filled' });
    await expect(signPdf(issued, options('sdx-issuer'))).rejects.toBeInstanceOf(SdxError);
  });

  itWith('openssl', 'qpdf')('when planned through the xref, then the signature verifies and the file checks clean', () => {
    const signatures = embeddedSignatures(issued);
    expect(signatures).toHaveLength(1);
    const [signature] = signatures;
    if (!signature) throw new Error('no signature');
    expect(opensslCmsVerify(signature, pki.dir).ok).toBe(true);
    expect(qpdfCheck(issued).ok).toBe(true);
  });
});
