import assert from "node:assert/strict";
import { assertClose, legBars, realFixtures, rms } from "./fixtures/hedge_fixtures.ts";
import { computePairAnalytics, type PairSeries } from "./pair_analytics.ts";

// Reference: fixtures/make_fixtures_hedge.py runs the whole definition of ANALYTICS.md in Python:
// pandas grid, statsmodels OLS / RLM(HuberT) / RollingOLS (in extended precision, checked against
// statsmodels), scipy theilslopes, the Kalman recursion in numpy, pandas rolling z-score and
// correlation, statsmodels adfuller(regression="c", autolag="AIC") on the non-null spread,
// coint(trend="c", method="aeg", autolag="aic") and the half-life OLS. Datasets: Binance spot 1m
// klines BTCUSDT~ETHUSDT and XRPUSDT~XRPBTC (2018-06-18), USD-M 1s and 1m bars BTCUSDT~ETHUSDT
// built from ticks (2025-12-16, two sessions with gaps), each in LOG and RAW, for all five hedge
// methods.
const fixtures = realFixtures();

function seriesOf(dataset: string): PairSeries {
  const legs = fixtures.datasets[dataset];
  return {
    base: { symbol: legs.base.symbol, bars: legBars(legs.base) },
    quote: { symbol: legs.quote.symbol, bars: legBars(legs.quote) },
  };
}

for (const fixture of fixtures.cases) {
  Deno.test(`pair analytics of ${fixture.name} match statsmodels/scipy/pandas`, () => {
    const result = computePairAnalytics(seriesOf(fixture.dataset), fixture.options);
    const expected = fixture.expected;
    assert.equal(result.n, expected.n);
    assert.equal(result.points[0].timeUs, expected.firstTimeUs);
    assert.equal(result.points[result.n - 1].timeUs, expected.lastTimeUs);
    assertClose(result.hedgeRatio, expected.hedgeRatio, "hedgeRatio");
    assertClose(result.intercept, expected.intercept, "intercept");
    assertClose(result.rSquared, expected.rSquared, "rSquared");
    assertClose(result.adf.statistic, expected.adf.statistic, "ADF statistic");
    assertClose(result.adf.pValue, expected.adf.pValue, "ADF p-value", { scale: 1e-3 });
    assert.equal(result.adf.usedLag, expected.adf.usedLag);
    assert.equal(result.adf.nobs, expected.adf.nobs);
    assertClose(result.adf.icBest, expected.adf.icBest, "ADF icBest");
    for (const level of ["p1", "p5", "p10"] as const) {
      assertClose(result.adf.criticalValues[level], expected.adf.criticalValues[level], level);
      assertClose(
        result.cointegration.criticalValues[level],
        expected.cointegration.criticalValues[level],
        `EG ${level}`,
      );
    }
    assertClose(result.cointegration.statistic, expected.cointegration.statistic, "EG statistic");
    assertClose(result.cointegration.pValue, expected.cointegration.pValue, "EG p-value", {
      scale: 1e-3,
    });
    assertClose(result.halfLifeBars, expected.halfLifeBars, "half-life bars");
    assertClose(result.halfLifeSeconds, expected.halfLifeSeconds, "half-life seconds");
    const points = expected.points;
    // Spreads cross zero: judge them against the spread's own size, not the point's value.
    const spreadScale = rms(points.spread);
    points.index.forEach((t, k) => {
      const point = result.points[t];
      assert.equal(point.timeUs, points.timeUs[k]);
      assertClose(point.y, points.y[k], `y[${t}]`, { relative: 1e-12 });
      assertClose(point.x, points.x[k], `x[${t}]`, { relative: 1e-12 });
      assertClose(point.hedgeRatio, points.hedgeRatio[k], `hedgeRatio[${t}]`);
      assertClose(point.spread, points.spread[k], `spread[${t}]`, { scale: spreadScale });
      assertClose(point.zscore, points.zscore[k], `zscore[${t}]`, { scale: 1 });
      assertClose(point.correlation, points.correlation[k], `correlation[${t}]`, { scale: 1 });
    });
  });
}

const tinySeries: PairSeries = {
  base: {
    symbol: "BTCUSDT",
    bars: Array.from(
      { length: 120 },
      (_, i) => ({ timeUs: i * 60e6, close: 60000 + ((i * 37) % 11) }),
    ),
  },
  quote: {
    symbol: "ETHUSDT",
    bars: Array.from(
      { length: 120 },
      (_, i) => ({ timeUs: i * 60e6, close: 3000 + ((i * 13) % 7) }),
    ),
  },
};

Deno.test("a window longer than the range is refused with both sizes", () => {
  assert.throws(
    () => computePairAnalytics(tinySeries, { zWindow: 500, barSeconds: 60 }),
    /zWindow 500 is larger than the series \(120 points\)/,
  );
  assert.throws(
    () =>
      computePairAnalytics(tinySeries, { method: "ROLLING_OLS", hedgeWindow: 121, barSeconds: 60 }),
    /hedgeWindow 121 is larger than the series \(120 points\)/,
  );
  assert.throws(
    () => computePairAnalytics(tinySeries, { corrWindow: 120, barSeconds: 60 }),
    /corrWindow 120 is larger than the series \(119 points\)/,
  );
});

Deno.test("a zero close is refused with the symbol and the bar's time", () => {
  const withZero: PairSeries = {
    ...tinySeries,
    quote: {
      symbol: "ETHUSDT",
      bars: tinySeries.quote.bars.map((bar, i) => (i === 7 ? { ...bar, close: 0 } : bar)),
    },
  };
  assert.throws(
    () => computePairAnalytics(withZero, { barSeconds: 60 }),
    /LOG prices need positive closes: ETHUSDT close at 1970-01-01T00:07:00.000Z is 0/,
  );
  assert.throws(
    () => computePairAnalytics(withZero, { priceTransform: "RAW", barSeconds: 60 }),
    /log returns needs positive closes: ETHUSDT close at 1970-01-01T00:07:00.000Z is 0/,
  );
});

Deno.test("a quote that never moves has no hedge ratio, and the message says which symbol", () => {
  const flat: PairSeries = {
    ...tinySeries,
    quote: {
      symbol: "ETHUSDT",
      bars: tinySeries.quote.bars.map((bar) => ({ ...bar, close: 3000 })),
    },
  };
  assert.throws(
    () => computePairAnalytics(flat, { method: "THEIL_SEN", barSeconds: 60 }),
    /ETHUSDT does not move over the range \(all 120 closes are equal\)/,
  );
  assert.throws(
    () => computePairAnalytics(flat, { method: "ROLLING_OLS", barSeconds: 60 }),
    /ETHUSDT does not move within any 100-point window/,
  );
});

Deno.test("pairs without a common bucket, and bad settings, are refused", () => {
  const apart: PairSeries = {
    base: { symbol: "BTCUSDT", bars: [{ timeUs: 0, close: 1 }] },
    quote: { symbol: "ETHUSDT", bars: [] },
  };
  assert.throws(() => computePairAnalytics(apart, { barSeconds: 60 }), /no bucket in which both/);
  assert.throws(
    () => computePairAnalytics(tinySeries, { zWindow: 1.5, barSeconds: 60 }),
    /zWindow must be/,
  );
  assert.throws(
    () => computePairAnalytics(tinySeries, { barSeconds: 0 }),
    /barSeconds must be positive/,
  );
});
