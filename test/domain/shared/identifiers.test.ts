import { containerCheckDigit, containerNumberProblem, isSizeTypeCode } from '../../../src/domain/shared/iso6346';
import {
  isImoNumber,
  isScac,
  isUnLocode,
  isUnifiedSocialCreditCode,
  usccCheckCharacter,
} from '../../../src/domain/shared/identifiers';

describe('ISO 6346 container numbers', () => {
  it.each(['CSQU3054383', 'MSKU9070323', 'TGHU1000002', 'POCU7120041'])('accepts %s', (n) => {
    expect(containerNumberProblem(n)).toBeUndefined();
  });

  it('computes the check digit of the ISO 6346 worked example CSQU305438 as 3', () => {
    expect(containerCheckDigit('CSQU305438')).toBe(3);
  });

  it('maps a remainder of 10 to check digit 0', () => {
    // CSQU000007 weighs 4025, and 4025 mod 11 = 10.
    expect(containerCheckDigit('CSQU000007')).toBe(0);
    expect(containerNumberProblem('CSQU0000070')).toBeUndefined();
  });

  it.each(['CSQU3054384', 'CSQU3054380', 'MSKU9070324'])('rejects %s for its check digit', (n) => {
    expect(containerNumberProblem(n)).toBe('check-digit');
  });

  it.each(['CSQ3054383', 'CSQA3054383', 'csqu3054383', 'CSQU305438', 'CSQU30543833', ''])('rejects %s as malformed', (n) => {
    expect(containerNumberProblem(n)).toBe('format');
  });

  it.each(['22G1', '42G1', '45G1', '22R1', '45R1', '22U1', '22T1', '22P1', 'L5G1'])('accepts size-type %s', (code) => {
    expect(isSizeTypeCode(code)).toBe(true);
  });

  it.each(['22X1', '2G1', '99G1', '22G9', '45g1', '22G11'])('rejects size-type %s', (code) => {
    expect(isSizeTypeCode(code)).toBe(false);
  });
});

describe('unified social credit code (GB 32100)', () => {
  it.each(['91350100M000100Y43', '91110000802100433B', '9144030071526726XG'])('accepts %s', (code) => {
    expect(isUnifiedSocialCreditCode(code)).toBe(true);
  });

  it('rejects a wrong check character, a wrong length and letters outside the alphabet', () => {
    expect(isUnifiedSocialCreditCode('91350100M000100Y44')).toBe(false);
    expect(isUnifiedSocialCreditCode('91350100M000100Y4')).toBe(false);
    expect(isUnifiedSocialCreditCode('91350100M000100I43')).toBe(false);
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
  });
});

describe('SCAC, UN/LOCODE and IMO numbers', () => {
  it('checks SCACs', () => {
    expect(['MAEU', 'CMDU', 'ZIM', 'OO'].every(isScac)).toBe(true);
    expect(['MAEUX', 'M', 'maeu', 'MA3U'].some(isScac)).toBe(false);
  });

  it('checks UN/LOCODEs', () => {
    expect(['CNSHA', 'CNNGB', 'KRPUS', 'NLRTM', 'USNYC', 'CNYS2'].every(isUnLocode)).toBe(true);
    expect(['CNSH', 'cnsha', 'CNSHAX', 'C1SHA', 'CNSH1'].some(isUnLocode)).toBe(false);
  });

  it('checks IMO numbers', () => {
    expect(isImoNumber('9074729')).toBe(true);
    expect(isImoNumber('9074728')).toBe(false);
    expect(isImoNumber('907472')).toBe(false);
  });
});
