/**
 * An exact running sum of decimal strings (quantities as the exchange sends them), so that a live
 * bar's volume equals the database's `sum(qty)` over `numeric` to the last digit.
 */
export interface DecimalSum {
  add(decimal: string): void;
  /** The sum, correctly rounded to the nearest number. */
  value(): number;
}

export function createDecimalSum(start = "0"): DecimalSum {
  let units = 0n;
  let scale = 0;

  function add(decimal: string): void {
    // Seeds read back as numbers may print with an exponent (1e-7); spell them out first.
    const plain = /e/i.test(decimal) ? Number(decimal).toFixed(20).replace(/\.?0+$/, "") : decimal;
    const [whole, fraction = ""] = plain.split(".");
    let addend = BigInt(whole + fraction);
    if (fraction.length > scale) {
      units *= 10n ** BigInt(fraction.length - scale);
      scale = fraction.length;
    } else {
      addend *= 10n ** BigInt(scale - fraction.length);
    }
    units += addend;
  }

  function value(): number {
    if (scale === 0) return Number(units);
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
    return Number(`${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`);
  }

  add(start);
  return { add, value };
}
