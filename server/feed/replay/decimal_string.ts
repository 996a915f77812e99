/**
 * Decimal strings as files write them, made canonical enough for PostgreSQL `numeric` without
 * passing through a binary float: `8.141e-05` becomes `0.00008141`, `.5` becomes `0.5`, `007` becomes
 * `7`. Digits are otherwise kept as written (trailing zeros included), so nothing is rounded.
 */

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

/** Exponents beyond this would expand into absurdly long strings; no price or quantity needs them. */
const MAX_EXPONENT = 40;

/** Longer results are refused: the store keeps prices and quantities, not arbitrary-precision art. */
export const MAX_DECIMAL_LENGTH = 80;

/**
 * The plain decimal form of `text` (no sign, no exponent), or undefined when `text` is not a
 * non-negative decimal number: empty, signed, `NaN`, `Infinity`, hexadecimal, or too long.
 */
export function normalizeDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, integerDigits, fractionDigits = "", exponentText] = match;
  if (integerDigits === "" && fractionDigits === "") return undefined;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  if (
    exponent === 0 && integerDigits.length > 0 &&
    (integerDigits.length === 1 || integerDigits[0] !== "0")
  ) {
    // The common case, already canonical: "61837.63000000", "0.003", "15".
    const plain = fractionDigits === "" ? integerDigits : `${integerDigits}.${fractionDigits}`;
    return plain.length > MAX_DECIMAL_LENGTH ? undefined : plain;
  }
  let digits = integerDigits + fractionDigits;
  let pointAt = integerDigits.length + exponent;
  if (pointAt < 0) {
    digits = "0".repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits += "0".repeat(pointAt - digits.length);
  const integerPart = digits.slice(0, pointAt).replace(/^0+/, "") || "0";
  const fractionPart = digits.slice(pointAt);
  const plain = fractionPart === "" ? integerPart : `${integerPart}.${fractionPart}`;
  return plain.length > MAX_DECIMAL_LENGTH ? undefined : plain;
}

/** True when a normalised decimal is above zero. */
export function isPositiveDecimal(normalized: string): boolean {
  return /[1-9]/.test(normalized);
}
