import assert from "node:assert/strict";
import { createHistogram, renderExposition } from "./prometheus.ts";
import { parseExposition, sampleValue } from "./exposition_parser.ts";

Deno.test("the exposition has HELP and TYPE for each family, escaped labels and cumulative buckets", () => {
  const histogram = createHistogram("demo_duration_seconds", "A demo.", [0.1, 1]);
  histogram.observe({ operation: "query" }, 0.05);
  histogram.observe({ operation: "query" }, 0.5);
  histogram.observe({ operation: "query" }, 5);
  const text = renderExposition([
    {
      name: "demo_events_total",
      help: "Events.\nTwo lines.",
      type: "counter",
      samples: [{ labels: { symbol: 'A"B\\C' }, value: 3 }],
    },
    histogram.family(),
  ]);
  const families = parseExposition(text);
  assert.equal(sampleValue(families, "demo_events_total", { symbol: 'A\\"B\\\\C' }), 3);
  assert.equal(sampleValue(families, "demo_duration_seconds_bucket", { le: "0.1" }), 1);
  assert.equal(sampleValue(families, "demo_duration_seconds_bucket", { le: "1" }), 2);
  assert.equal(sampleValue(families, "demo_duration_seconds_bucket", { le: "+Inf" }), 3);
  assert.equal(sampleValue(families, "demo_duration_seconds_count"), 3);
  assert.equal(sampleValue(families, "demo_duration_seconds_sum"), 5.55);
});

Deno.test("a counter not named ..._total is refused", () => {
  assert.throws(
    () => renderExposition([{ name: "demo_events", help: "x", type: "counter", samples: [] }]),
    /must end in _total/,
  );
});

Deno.test("the test parser rejects an exposition that breaks the format", () => {
  assert.throws(() => parseExposition("demo 1\n"), /no HELP\/TYPE/);
  assert.throws(() => parseExposition("# HELP a_total x\n# TYPE a_total counter\na_total one\n"));
});
