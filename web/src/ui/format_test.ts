import assert from "node:assert/strict";
import {
  formatDuration,
  formatNumber,
  formatPercent,
  formatPrice,
  formatPValue,
  formatTime,
} from "./format.ts";

Deno.test("prices keep about six significant digits whatever their size", () => {
  assert.equal(formatPrice(60123.456), "60,123.5");
  assert.equal(formatPrice(3012.456), "3,012.46");
  assert.equal(formatPrice(0.00123456), "0.00123456");
  assert.equal(formatPrice(null), "–");
});

Deno.test("changes read as signed percentages and p-values as three decimals", () => {
  assert.equal(formatPercent(0.012345), "+1.23%");
  assert.equal(formatPercent(-0.5), "−50.00%");
  assert.equal(formatPValue(0.04567), "0.046");
  assert.equal(formatPValue(0.0001), "< 0.001");
  assert.equal(formatNumber(Number.NaN), "–");
});

Deno.test("durations use the largest readable unit", () => {
  assert.equal(formatDuration(4.25), "4.3 s");
  assert.equal(formatDuration(42), "42 s");
  assert.equal(formatDuration(210), "3.5 min");
  assert.equal(formatDuration(7560), "2.1 h");
  assert.equal(formatDuration(129_600), "1.5 d");
  assert.equal(formatDuration(null), "–");
});

Deno.test("times are shown in UTC, as the API gives them", () => {
  assert.equal(formatTime(Date.UTC(2024, 7, 8, 23, 55, 0)), "2024-08-08 23:55:00 UTC");
});
