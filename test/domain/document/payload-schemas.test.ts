import { documentKinds, type DocumentKind } from '../../../src/domain/document/document';
import { validatePayload } from '../../../src/domain/document/document-kinds';
import { partySchema } from '../../../src/domain/party/party';
import { parseWith } from '../../../src/domain/shared/schema';
import { exampleJson, exampleWith, removed } from '../../support/examples';

function issuesOf(kind: DocumentKind, payload: unknown) {
  const result = validatePayload(kind, payload);
  return result.ok ? [] : result.issues;
}


describe('payload schemas', () => {
  it.each(documentKinds)('accepts the committed %s example', (kind) => {
    expect(issuesOf(kind, exampleJson(kind))).toEqual([]);
  });

  it('names the field whose ISO 6346 check digit is wrong', () => {
    const payload = exampleWith('delivery-order', { 'containers[1].number': 'POCU7120042' });
    expect(issuesOf('delivery-order', payload)).toEqual([
      { path: 'containers[1].number', code: 'container-check-digit', message: expect.stringContaining('check digit'), params: { number: 'POCU7120042' } },
    ]);
  });

  it('names unknown fields, missing fields and wrong types, each with its path', () => {
    const payload = exampleWith('eir', { 'container.colour': 'red', haulier: removed, 'seals[0].number': 42 });
    const issues = issuesOf('eir', payload);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'container.colour', code: 'unknown-field' }),
        expect.objectContaining({ path: 'haulier', code: 'required' }),
        expect.objectContaining({ path: 'seals[0].number', code: 'invalid-type' }),
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('wants date-times with an offset', () => {
    const payload = exampleWith('delivery-order', { validUntil: '2026-12-12T23:59:00' });
    expect(issuesOf('delivery-order', payload)).toEqual([
      expect.objectContaining({ path: 'validUntil', code: 'invalid-format' }),
    ]);
  });

  it('rejects a D/O listing the same container twice', () => {
    const payload = exampleWith('delivery-order', {
      'containers[2]': (exampleJson('delivery-order').containers as unknown[])[0],
    });
    expect(issuesOf('delivery-order', payload)).toEqual([
      expect.objectContaining({ path: 'containers[2].number', code: 'duplicate-container' }),
    ]);
  });

  it('wants a telex-release D/O to name its guarantee', () => {
    const payload = exampleWith('delivery-order', { releaseBasis: { type: 'telex-release' } });
    expect(issuesOf('delivery-order', payload)).toEqual([
      expect.objectContaining({ path: 'releaseBasis.guaranteeId', code: 'required' }),
    ]);
    const unknownBasis = exampleWith('delivery-order', { releaseBasis: { type: 'handshake' } });
    expect(issuesOf('delivery-order', unknownBasis)).toEqual([expect.objectContaining({ path: 'releaseBasis.type' })]);
  });

  it('rejects an EIR whose validity window ends before it starts, or that names neither booking nor B/L', () => {
    const payload = exampleWith('eir', { validUntil: '2026-11-28T07:00:00+08:00', billOfLadingNumber: removed });
    expect(issuesOf('eir', payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'validUntil', code: 'invalid-window' }),
        expect.objectContaining({ path: 'bookingNumber', code: 'required' }),
      ]),
    );
  });

  it('rejects a guarantee without the full set of originals surrendered', () => {
    const payload = exampleWith('telex-release-guarantee', { originals: { issued: 3, surrendered: 2 } });
    expect(issuesOf('telex-release-guarantee', payload)).toEqual([
      expect.objectContaining({ path: 'originals.surrendered', code: 'originals-not-surrendered' }),
    ]);
  });

  it('checks identifiers inside party references', () => {
    const payload = exampleWith('telex-release-guarantee', {
      'consignee.unifiedSocialCreditCode': '91310000000000007J',
      'carrier.scac': 'POCL1',
      'vessel.imoNumber': '9074728',
      'portOfLoading.unLocode': 'KRPU',
      'containers[0].sizeType': '45X1',
    });
    expect(issuesOf('telex-release-guarantee', payload).map((i) => [i.path, i.code])).toEqual([
      ['consignee.unifiedSocialCreditCode', 'uscc'],
      ['carrier.scac', 'scac'],
      ['vessel.imoNumber', 'imo-number'],
      ['portOfLoading.unLocode', 'un-locode'],
      ['containers[0].sizeType', 'size-type-code'],
    ]);
  });

  it('refuses a payload that is not an object at all', () => {
    expect(issuesOf('eir', [])).toEqual([expect.objectContaining({ path: '', code: 'invalid-type' })]);
  });
});

describe('party schema', () => {
  const party = {
    id: 'demo-terminal',
    name: { en: 'Yangshan Demo Container Terminal', zh: '洋山演示集装箱码头' },
    roles: ['terminal'],
    identifiers: { unifiedSocialCreditCode: '913100000000000035' },
  };

  it('accepts a well-formed party', () => {
    expect(parseWith(partySchema, party).ok).toBe(true);
  });

  it('names a bad credit code, an unknown role and a bad id', () => {
    const result = parseWith(partySchema, {
      ...party,
      id: 'Demo Terminal',
      roles: ['terminal', 'pirate'],
      identifiers: { unifiedSocialCreditCode: '913100000000000036' },
    });
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      'id',
      'roles[1]',
      'identifiers.unifiedSocialCreditCode',
    ]);
  });
});
