/**
 * The load bench's subscriber speaks graphql-transport-ws itself: against the real server it gets
 * every trade of its subscription, in order, with frames split across reads.
 */
import assert from "node:assert/strict";
import { btcTrades } from "../testing/trade_batches.ts";
import { serveApp } from "../testing/served_app.ts";
import { FrameSubscriber } from "./frame_subscriber.ts";

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test({
  name: "the bench's subscriber receives every trade of its subscription in order",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const served = await serveApp({});
    const received: { tradeId: string; price: number }[] = [];
    const errors: string[] = [];
    let ready = false;
    const subscriber = new FrameSubscriber({
      url: `${served.baseUrl.replace(/^http/, "ws")}/graphql`,
      query: "subscription ($s: [String!]) { trades(symbols: $s) { tradeId price } }",
      variables: { s: ["BTCUSDT"] },
      onReady: () => (ready = true),
      onError: (message) => errors.push(message),
      onNext: (payload) =>
        received.push((payload.data as { trades: { tradeId: string; price: number } }).trades),
    });
    try {
      await subscriber.start();
      await eventually(() => ready, "the subscription is sent");
      // Live once a published trade arrives.
      await eventually(() => {
        served.app.pubsub.publish("trades", "binance-futures:BTCUSDT", btcTrades(1, 0));
        return received.length > 0;
      }, "the subscription is live");
      // 2,000 trades, some messages over 125 bytes' worth of frames in one read.
      for (let batch = 0; batch < 20; batch++) {
        served.app.pubsub.publish(
          "trades",
          "binance-futures:BTCUSDT",
          btcTrades(100, 1_000 + batch * 100),
        );
      }
      const burst = () => received.filter((trade) => Number(trade.tradeId) >= 1_000);
      await eventually(() => burst().length >= 2_000, "2,000 trades arrive");
      assert.deepEqual(
        burst().map((trade) => Number(trade.tradeId)),
        Array.from({ length: 2_000 }, (_, i) => 1_000 + i),
      );
      assert.equal(burst()[0].price, 60000.5);
      assert.deepEqual(errors, []);
      assert.equal(served.app.http.subscriptionCount(), 1);
    } finally {
      await subscriber.close();
      await served.stop();
    }
  },
});
