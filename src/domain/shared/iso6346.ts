/**
 * ISO 6346 container identification: owner code (3 letters), equipment category (U, J or Z),
 * six-digit serial and a check digit.
 */
const CONTAINER_NUMBER = /^[A-Z]{3}[UJZ]\d{6}\d$/;

/** Letter values run from A=10 and skip multiples of 11 (11, 22, 33), so B=12 and L=23. */
const LETTER_VALUES: ReadonlyMap<string, number> = (() => {
  const values = new Map<string, number>();
  let next = 10;
  for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (next % 11 === 0) next += 1;
    values.set(letter, next);
    next += 1;
  }
  return values;
})();

/** The check digit for the first ten characters, or undefined when they are not well formed. */
export function containerCheckDigit(firstTen: string): number | undefined {
  if (!/^[A-Z]{3}[UJZ]\d{6}$/.test(firstTen)) return undefined;
  let sum = 0;
  for (let i = 0; i < 10; i += 1) {
    const ch = firstTen.charAt(i);
    const value = i < 4 ? LETTER_VALUES.get(ch) ?? 0 : Number(ch);
    sum += value * 2 ** i;
  }
  return (sum % 11) % 10;
}

export type ContainerNumberProblem = 'format' | 'check-digit';

/** Why a container number is not valid ISO 6346, or undefined when it is. */
export function containerNumberProblem(value: string): ContainerNumberProblem | undefined {
  if (!CONTAINER_NUMBER.test(value)) return 'format';
  return containerCheckDigit(value.slice(0, 10)) === Number(value.charAt(10)) ? undefined : 'check-digit';
}

/**
 * ISO 6346 (1995) size-type code: length, height/width, then a type code of group letter + detail
 * digit. Only the type codes the standard defines are accepted.
 */
const LENGTH = '1234ABCDEFGHKLMNP';
const HEIGHT_WIDTH = '0245689CDEFLMNP';
const TYPE_CODES = new Set([
  'G0', 'G1', 'G2', 'G3',
  'V0', 'V2', 'V4',
  'B0', 'B1', 'B3', 'B4', 'B5', 'B6',
  'S0', 'S1', 'S2',
  'R0', 'R1', 'R2', 'R3',
  'H0', 'H1', 'H2', 'H5', 'H6',
  'U0', 'U1', 'U2', 'U3', 'U4', 'U5',
  'P0', 'P1', 'P2', 'P3', 'P4', 'P5',
  'T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9',
  'A0',
]);

export function isSizeTypeCode(value: string): boolean {
  return (
    value.length === 4 &&
    LENGTH.includes(value.charAt(0)) &&
    HEIGHT_WIDTH.includes(value.charAt(1)) &&
    TYPE_CODES.has(value.slice(2))
  );
}
