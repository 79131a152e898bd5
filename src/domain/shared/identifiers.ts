/**
 * Checks for the identifiers that appear on shipping documents. Each returns true only for a value
 * that is well formed and whose check character, where the scheme has one, is right.
 */

/** GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z. */
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for the first 17 characters of a unified social credit code. */
export function usccCheckCharacter(first17: string): string | undefined {
  if (first17.length !== 17) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const value = USCC_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) return undefined;
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/** Unified social credit code (统一社会信用代码): 18 characters, the last a GB 32100 check character. */
export function isUnifiedSocialCreditCode(value: string): boolean {
  return value.length === 18 && usccCheckCharacter(value.slice(0, 17)) === value.charAt(17);
}

/** Standard Carrier Alpha Code: two to four capital letters. */
export function isScac(value: string): boolean {
  return /^[A-Z]{2,4}$/.test(value);
}

/** UN/LOCODE: ISO 3166 country code and three characters (letters or digits 2-9), e.g. CNSHA. */
export function isUnLocode(value: string): boolean {
  return /^[A-Z]{2}[A-Z2-9]{3}$/.test(value);
}

/** IMO ship number: seven digits, the last the sum of the first six weighted 7..2, mod 10. */
export function isImoNumber(value: string): boolean {
  if (!/^\d{7}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 6; i += 1) sum += Number(value.charAt(i)) * (7 - i);
  return sum % 10 === Number(value.charAt(6));
}
