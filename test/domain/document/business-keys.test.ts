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

  it('an EIR gives its number, container, B/L and truck plate', () => {
    const eir = examplePayload('eir');
    expect(businessKeysOf('eir', eir)).toEqual([
      { key: 'eir-number', value: normaliseKeyValue(eir.eirNumber) },
      { key: 'container', value: 'CSQU3054383' },
      { key: 'bl-number', value: 'POCL2611PUS0042' },
      { key: 'plate', value: '沪AD12345' },
    ]);
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
