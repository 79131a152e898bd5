import { actionInput } from '../../../src/application/action-input';
import { validatePayload } from '../../../src/domain/document/document-kinds';
import type { DocumentKind } from '../../../src/domain/document/document';
import { partySchema } from '../../../src/domain/party/party';
import { ValidationError, type ValidationIssue } from '../../../src/domain/shared/errors';
import { parseWith } from '../../../src/domain/shared/schema';
import { findForbiddenCharacter } from '../../../src/domain/shared/text';
import { exampleJson, exampleWith } from '../../support/examples';

/** Every class of character a text field refuses, with members from each. */
const forbidden: Record<string, readonly number[]> = {
  'direction control': [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c],
  'invisible format character': [0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x00ad, 0x180e, 0xfff9, 0xfffa, 0xfffb, 0xe0001, 0xe0041, 0xe007f],
  'control character': [0x0000, 0x0007, 0x001b, 0x007f, 0x0085, 0x009f],
  'line or paragraph separator': [0x2028, 0x2029],
  'unpaired surrogate': [0xd800, 0xdfff],
  'private-use character': [0xe000, 0xf8ff, 0xf0000],
  'invisible character': [0x034f, 0x3164, 0xfe0f, 0xe0100, 0xfffe],
};
const label = (point: number) => `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
const everyForbidden = Object.entries(forbidden).flatMap(([kind, points]) => points.map((point) => ({ name: label(point), kind, point })));
const withInside = (value: string, point: number) => `${value.slice(0, 3)}${String.fromCodePoint(point)}${value.slice(3)}`;

/** Fields of every sort: identifiers, codes, party ids, names, free text. */
const payloadFields: ReadonlyArray<[DocumentKind, string]> = [
  ['eir', 'eirNumber'],
  ['eir', 'truckPlate'],
  ['eir', 'seals[0].number'],
  ['eir', 'container.number'],
  ['eir', 'container.sizeType'],
  ['eir', 'billOfLadingNumber'],
  ['eir', 'haulier.partyId'],
  ['eir', 'haulier.name'],
  ['eir', 'facility.operator.nameZh'],
  ['eir', 'driver.name'],
  ['eir', 'driver.mobile'],
  ['eir', 'remarks'],
  ['delivery-order', 'deliveryOrderNumber'],
  ['delivery-order', 'containers[1].sealNumbers[0]'],
  ['delivery-order', 'consignee.name'],
  ['delivery-order', 'cargo.description'],
  ['delivery-order', 'portOfDischarge.unLocode'],
  ['telex-release-guarantee', 'guaranteeNumber'],
  ['telex-release-guarantee', 'shipper.address'],
  ['telex-release-guarantee', 'indemnityText'],
  ['telex-release-guarantee', 'signatory.title'],
];

function valueAt(root: unknown, path: string): string {
  let node: unknown = root;
  for (const key of path.replace(/\[(\d+)\]/g, '.$1').split('.')) node = (node as Record<string, unknown>)[key];
  if (typeof node !== 'string') throw new Error(`${path} is not text in the example`);
  return node;
}

function issuesOf(kind: DocumentKind, payload: unknown): ValidationIssue[] {
  const result = validatePayload(kind, payload);
  return result.ok ? [] : result.issues;
}

const refusal = (path: string, point: number) => ({ path, code: 'forbidden-character', message: expect.stringContaining(label(point)) });

describe('text fields refuse characters that display differently from what is signed', () => {
  describe.each(payloadFields)('%s %s', (kind, path) => {
    const original = valueAt(exampleJson(kind), path);

    it.each(everyForbidden)('refuses $name ($kind) with the path and the code point', ({ kind: what, point }) => {
      const issues = issuesOf(kind, exampleWith(kind, { [path]: withInside(original, point) }));
      // The one issue: no format or length complaint on top of it.
      expect(issues).toEqual([refusal(path, point)]);
      expect(issues[0]?.message).toContain(what);
    });
  });

  it('refuses tab and line breaks in one-line fields but not in remarks, descriptions and addresses', () => {
    for (const [field, point] of [['eirNumber', 0x09], ['truckPlate', 0x0a], ['driver.name', 0x0d], ['haulier.name', 0x0a]] as const) {
      expect(issuesOf('eir', exampleWith('eir', { [field]: withInside(valueAt(exampleJson('eir'), field), point) }))).toEqual([refusal(field, point)]);
    }
    expect(issuesOf('eir', exampleWith('eir', { remarks: 'Line one\nLine two\r\n\twith a tab' }))).toEqual([]);
    expect(issuesOf('telex-release-guarantee', exampleWith('telex-release-guarantee', { 'shipper.address': '12 Jungang-daero\nJung-gu, Busan' }))).toEqual([]);
  });

  it('names every field that has one, the first forbidden character of each', () => {
    const issues = issuesOf('eir', exampleWith('eir', { eirNumber: 'EIR-\u202e1174-ASH', remarks: 'ok\u200bok\u202e', 'seals[0].number': 'POCL\u2066778812' }));
    expect(issues).toEqual(expect.arrayContaining([refusal('eirNumber', 0x202e), refusal('remarks', 0x200b), refusal('seals[0].number', 0x2066)]));
    expect(issues).toHaveLength(3);
  });

  it('reasons and gate records refuse them too: void, reject, withdraw, amend, damage lines, gate seals and remarks', () => {
    const gateRecord = {
      passedAt: '2026-11-28T10:00:00+08:00',
      condition: 'damaged',
      damages: [{ component: 'door', location: 'left', damage: 'dent' }],
      seals: [{ number: 'POCL778812', type: 'carrier' }],
      photoSha256: [],
      remarks: 'Checked at lane 3',
    };
    const cases: ReadonlyArray<[unknown, string]> = [
      [{ type: 'void', reason: 'Issued in error\u202e' }, 'reason'],
      [{ type: 'reject', reason: '\u2067Wrong B/L' }, 'reason'],
      [{ type: 'withdraw', reason: 'Paid\u200d' }, 'reason'],
      [{ type: 'amend', payload: {}, reason: 'New plate\ufeff' }, 'reason'],
      [{ type: 'reject-presentation', reason: 'Not\u00adpaid' }, 'reason'],
      [{ type: 'gate-record', gateRecord: { ...gateRecord, remarks: 'Lane\u202e 3' } }, 'gateRecord.remarks'],
      [{ type: 'gate-record', gateRecord: { ...gateRecord, damages: [{ component: 'do\u200bor', location: 'left', damage: 'dent' }] } }, 'gateRecord.damages[0].component'],
      [{ type: 'gate-record', gateRecord: { ...gateRecord, seals: [{ number: 'POCL\u202d778812', type: 'carrier' }] } }, 'gateRecord.seals[0].number'],
      [{ type: 'transfer', to: 'demo-\u200bconsignee' }, 'to'],
    ];
    for (const [input, path] of cases) {
      const result = parseWith(actionInput, input);
      expect(result.ok ? [] : result.issues).toEqual([expect.objectContaining({ path, code: 'forbidden-character' })]);
    }
  });

  it('party names refuse them', () => {
    const party = { id: 'acme-imports', name: { en: 'Acme\u202e Imports', zh: '艾克米\u200b进口' }, roles: ['consignee'] };
    const result = parseWith(partySchema, party);
    expect(result.ok ? [] : result.issues).toEqual([refusal('name.en', 0x202e), refusal('name.zh', 0x200b)]);
  });

  it('accepts ordinary Chinese, accented Latin, full-width forms and the spaces people type', () => {
    const payload = exampleWith('eir', {
      'haulier.name': 'Société Générale de Transports Müller & Søn, Łódź',
      'haulier.nameZh': '上海东海运输有限公司（演示）',
      'driver.name': '王建国　Wang Jianguo',
      truckPlate: '沪AD12345',
      'facility.name': 'Ｙａｎｇｓｈａｎ 洋山 terminal\u00a0No.\u00a02',
      remarks: '无需插电。Çà et là — “quoted” ‘text’ №5 ½ °C',
    });
    expect(issuesOf('eir', payload)).toEqual([]);
  });

  it('composes identifiers (NFC) before checking them, so two numbers that look alike are one value', () => {
    const decomposed = 'EIR-CAFE\u0301-0001';
    const composedForm = 'EIR-CAF\u00c9-0001';
    const a = validatePayload('eir', exampleWith('eir', { eirNumber: decomposed, truckPlate: 'A\u030a12345', 'seals[0].number': 'N\u0303-778812' }));
    const b = validatePayload('eir', exampleWith('eir', { eirNumber: composedForm, truckPlate: '\u00c512345', 'seals[0].number': '\u00d1-778812' }));
    if (!a.ok || !b.ok) throw new Error('both spellings are valid');
    expect(a.value.eirNumber).toBe(composedForm);
    expect(a.value).toEqual(b.value);
    // The length limit counts the composed form: 35 characters once composed.
    expect(issuesOf('eir', exampleWith('eir', { eirNumber: 'E'.repeat(34) + 'E\u0301' }))).toEqual([]);
  });

  it('the error is forbidden-character when any issue is one, validation-failed otherwise', () => {
    const issue = (code: string) => ({ path: 'x', code, message: 'm' });
    expect(new ValidationError([issue('required'), issue('forbidden-character')]).code).toBe('forbidden-character');
    expect(new ValidationError([issue('required')]).code).toBe('validation-failed');
  });

  it('finds the first forbidden character by its position in code points', () => {
    expect(findForbiddenCharacter('𝐀b\u202ec', 'line')).toEqual({ codePoint: 'U+202E', kind: 'direction control', position: 3 });
    expect(findForbiddenCharacter('plain 中文 text', 'line')).toBeUndefined();
  });
});
