import assert from "node:assert/strict";
import { parseParams } from "../state/dashboard_params.ts";
import { exportLinks } from "./export_links.ts";

Deno.test("export links carry the URL's instrument, timeframe, range and pair settings", () => {
  const params = parseParams(
    "/pair",
    "?symbol=ETHUSDT&tf=S1&base=BTCUSDT&quote=ETHUSDT&method=KALMAN&z=30" +
      "&from=2024-08-08T00:00:00Z&to=2024-08-08T01:00:00Z",
  );
  const links = exportLinks(params, { symbol: "BTCUSDT", venue: "binance-futures" });
  assert.deepEqual(links.map((link) => link.href.split("?")[0]), [
    "/export/bars.csv",
    "/export/trades.csv",
    "/export/pair.csv",
  ]);
  const bars = new URLSearchParams(links[0].href.split("?")[1]);
  assert.equal(bars.get("symbol"), "ETHUSDT");
  assert.equal(bars.get("venue"), "binance-futures");
  assert.equal(bars.get("timeframe"), "S1");
  assert.equal(bars.get("from"), "2024-08-08T00:00:00.000Z");
  const pair = new URLSearchParams(links[2].href.split("?")[1]);
  assert.equal(pair.get("method"), "KALMAN");
  assert.equal(pair.get("zWindow"), "30");
  assert.equal(pair.get("priceTransform"), "LOG");
});

Deno.test("without an instrument with data there is nothing to export", () => {
  assert.deepEqual(exportLinks(parseParams("/data", ""), { symbol: "", venue: "" }), []);
});
