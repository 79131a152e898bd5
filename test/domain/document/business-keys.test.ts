import { businessKeysOf, normaliseKeyValue } from '../../../src/domain/document/business-keys';
import { examplePayload } from '../../support/examples';

describe('business keys of each kind', () => {
  it('a D/O gives its number, B/L, every container and the consignee in both languages', () => {
    expect(businessKeysOf('delivery-order', examplePayload('delivery-order'))).toEqual([
      { key: 'do-number', value: normaliseKeyValue(examplePayload('delivery-order').deliveryOrderNumber) },
      { key: 'bl-number', value: 'POCL2611PUS0042' },
      { key: 'container', value: 'CSQU3054383' },
      { key: 'container', value: 'POCU7120041' },
      { key: 'consignee', value: 'SHANGHAILIANHUAIMPORTCODEMO' },
      { key: 'consignee', value: '上海联华进口有限公司演示' },
    ]);
  });

  it('an EIR gives its number, container, B/L, truck plate and each Beijing day of its validity window', () => {
    const eir = examplePayload('eir');
    expect(businessKeysOf('eir', { ...eir, validFrom: '2026-11-28T08:00:00+08:00', validUntil: '2026-11-30T08:00:00+08:00' })).toEqual([
      { key: 'eir-number', value: normaliseKeyValue(eir.eirNumber) },
      { key: 'container', value: 'CSQU3054383' },
      { key: 'bl-number', value: 'POCL2611PUS0042' },
      { key: 'plate', value: '沪AD12345' },
      { key: 'valid-day', value: '20261128' },
      { key: 'valid-day', value: '20261129' },
      { key: 'valid-day', value: '20261130' },
    ]);
  });

  it('validity days are Beijing days: 23:30 UTC is the next morning in Beijing', () => {
    const eir = examplePayload('eir');
    const days = (validFrom: string, validUntil: string) =>
      businessKeysOf('eir', { ...eir, validFrom, validUntil }).filter((k) => k.key === 'valid-day').map((k) => k.value);
    expect(days('2026-12-02T23:30:00Z', '2026-12-03T01:00:00Z')).toEqual(['20261203']);
    expect(days('2026-12-02T15:59:00Z', '2026-12-02T16:00:00Z')).toEqual(['20261202', '20261203']);
    // A window of a year is found on its first 62 days, not indexed 365 times.
    expect(days('2026-01-01T00:00:00+08:00', '2026-12-31T00:00:00+08:00')).toHaveLength(62);
    expect(days('2026-12-03T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual([]);
  });

  it('a D/O or guarantee has no validity days', () => {
    expect(businessKeysOf('delivery-order', examplePayload('delivery-order')).some((k) => k.key === 'valid-day')).toBe(false);
  });

  it('a guarantee gives its number, B/L, containers and consignee', () => {
    expect(businessKeysOf('telex-release-guarantee', examplePayload('telex-release-guarantee')).map((k) => k.key)).toEqual([
      'guarantee-number', 'bl-number', 'container', 'container', 'consignee', 'consignee',
    ]);
  });

  it('a payload not of its kind\'s shape gives no keys rather than failing', () => {
    expect(businessKeysOf('delivery-order', { deliveryOrderNumber: 'X' })).toEqual([]);
    expect(businessKeysOf('eir', null)).toEqual([]);
  });
});

describe('normaliseKeyValue', () => {
  it.each([
    ['mscu 123-456/7', 'MSCU1234567'],
    ['ＭＳＣＵ１２３４５６７', 'MSCU1234567'],
    ['沪A·12345', '沪A12345'],
    ['  DO.2026_0001 ', 'DO20260001'],
    ['上海联华进口有限公司（演示）', '上海联华进口有限公司演示'],
    ['---', ''],
  ])('%s → %s', (typed, stored) => {
    expect(normaliseKeyValue(typed)).toBe(stored);
  });
});
