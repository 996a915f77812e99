import assert from "node:assert/strict";
import { csvCells } from "./csv_cells.ts";

Deno.test("plain rows split on commas with cells trimmed", () => {
  assert.deepEqual(csvCells("1, 2 ,3,"), ["1", "2", "3", ""]);
});

Deno.test("quoted cells may hold commas and doubled quotes", () => {
  assert.deepEqual(csvCells('"BTCUSDT","a,b","say ""hi""",4'), ["BTCUSDT", "a,b", 'say "hi"', "4"]);
});
