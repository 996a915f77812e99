import assert from "node:assert/strict";
import type { PairScanRow } from "../pair/pair_analytics.ts";
import { sortRows } from "./sort_rows.ts";

function row(base: string, pValue: number | null, halfLifeSeconds: number | null): PairScanRow {
  return {
    base,
    quote: "ETHUSDT",
    n: 100,
    hedgeRatio: 1,
    halfLifeBars: halfLifeSeconds === null ? null : halfLifeSeconds / 60,
    halfLifeSeconds,
    correlation: 0.5,
    cointegration: pValue === null ? null : { statistic: -3, pValue },
    error: pValue === null ? "too few bars" : null,
  };
}

const rows = [row("AAA", 0.2, 600), row("BBB", null, null), row("CCC", 0.01, 60)];

Deno.test("sorting by p-value puts the most cointegrated first and failed rows last", () => {
  const sorted = sortRows(rows, { column: "pValue", descending: false });
  assert.deepEqual(sorted.map((r) => r.base), ["CCC", "AAA", "BBB"]);
});

Deno.test("descending order still keeps rows without a value last", () => {
  const sorted = sortRows(rows, { column: "halfLife", descending: true });
  assert.deepEqual(sorted.map((r) => r.base), ["AAA", "CCC", "BBB"]);
});

Deno.test("the pair column sorts by name", () => {
  const sorted = sortRows(rows, { column: "pair", descending: true });
  assert.deepEqual(sorted.map((r) => r.base), ["CCC", "BBB", "AAA"]);
});
