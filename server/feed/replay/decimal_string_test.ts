import assert from "node:assert/strict";
import { isPositiveDecimal, normalizeDecimal } from "./decimal_string.ts";

Deno.test("decimals as Binance writes them are kept digit for digit", () => {
  for (const text of ["61837.63000000", "0.003", "15", "0", "0.0", "87479.2"]) {
    assert.equal(normalizeDecimal(text), text);
  }
});

Deno.test("exponents, bare points and leading zeros become plain decimals", () => {
  const cases: [string, string][] = [
    ["8.141e-05", "0.00008141"], // XRPBTC kline, OctoBot's export
    ["1e-3", "0.001"],
    ["1.5E3", "1500"],
    ["1.2345e2", "123.45"],
    ["1.50e1", "15.0"],
    ["12e+0", "12"],
    [".5", "0.5"],
    ["5.", "5"],
    ["007.50", "7.50"],
    ["000", "0"],
    ["0e10", "0"],
  ];
  for (const [text, expected] of cases) assert.equal(normalizeDecimal(text), expected, text);
});

Deno.test("signs, NaN, Infinity, empty and absurd lengths are not decimals", () => {
  for (
    const text of [
      "",
      ".",
      "-1",
      "+1",
      "NaN",
      "Infinity",
      "0x10",
      "1e",
      "e5",
      "1,5",
      " 1",
      "1e41",
      "9".repeat(81),
    ]
  ) {
    assert.equal(normalizeDecimal(text), undefined, JSON.stringify(text));
  }
});

Deno.test("zero in any spelling is not positive", () => {
  assert.equal(isPositiveDecimal("0.00000000"), false);
  assert.equal(isPositiveDecimal("0"), false);
  assert.equal(isPositiveDecimal("0.00000001"), true);
});
