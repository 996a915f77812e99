import assert from "node:assert/strict";
import { legBars, realFixtures } from "./fixtures/hedge_fixtures.ts";
import { alignPairGrid } from "./pair_grid.ts";

Deno.test("the grid of 1s futures bars with gaps equals pandas' outer join + ffill", () => {
  // Reference: pd.concat({"y": y, "x": x}, axis=1).sort_index().ffill().dropna() on 1s bars built
  // with pandas from the 2025-12-16 USD-M ticks (fixtures/make_fixtures_hedge.py).
  const fixtures = realFixtures();
  const dataset = fixtures.datasets[fixtures.grid.dataset];
  const grid = alignPairGrid(
    { symbol: dataset.base.symbol, bars: legBars(dataset.base) },
    { symbol: dataset.quote.symbol, bars: legBars(dataset.quote) },
  );
  assert.deepEqual([...grid.timesUs], fixtures.grid.timesUs);
  assert.deepEqual([...grid.closeY], fixtures.grid.closeY);
  assert.deepEqual([...grid.closeX], fixtures.grid.closeX);
  // The data really exercises carrying forward: far fewer ETH bars than grid buckets.
  assert.ok(dataset.quote.bars.length < grid.timesUs.length / 2);
});

Deno.test("the grid starts where both symbols have traded and carries each close forward", () => {
  const grid = alignPairGrid(
    {
      symbol: "BTCUSDT",
      bars: [{ timeUs: 1, close: 10 }, { timeUs: 3, close: 11 }, { timeUs: 5, close: 12 }],
    },
    {
      symbol: "ETHUSDT",
      bars: [{ timeUs: 2, close: 1 }, { timeUs: 5, close: 2 }, { timeUs: 6, close: 3 }],
    },
  );
  assert.deepEqual([...grid.timesUs], [2, 3, 5, 6]);
  assert.deepEqual([...grid.closeY], [10, 11, 12, 12]);
  assert.deepEqual([...grid.closeX], [1, 1, 2, 3]);
});

Deno.test("symbols that never overlap give an empty grid", () => {
  const grid = alignPairGrid(
    { symbol: "BTCUSDT", bars: [{ timeUs: 1, close: 10 }] },
    { symbol: "ETHUSDT", bars: [] },
  );
  assert.equal(grid.timesUs.length, 0);
});

Deno.test("bars out of time order are refused with the symbol and both times", () => {
  assert.throws(
    () =>
      alignPairGrid(
        {
          symbol: "BTCUSDT",
          bars: [{ timeUs: 120_000_000, close: 1 }, { timeUs: 60_000_000, close: 2 }],
        },
        { symbol: "ETHUSDT", bars: [] },
      ),
    /BTCUSDT bars are not in time order: 1970-01-01T00:01:00.000Z follows 1970-01-01T00:02:00.000Z/,
  );
  assert.throws(
    () =>
      alignPairGrid({ symbol: "X", bars: [{ timeUs: 0, close: NaN }] }, { symbol: "Y", bars: [] }),
    /X close at 1970-01-01T00:00:00.000Z is not a number/,
  );
});
