import assert from "node:assert/strict";
import { bucketStart, createIsoFormatter, isoFromMicros } from "./domain.ts";

Deno.test("times print as ISO-8601 UTC, like Date#toISOString, with microseconds when present", () => {
  // Every day from 1970 to 2100 at a few times of day, against the platform's own formatting.
  for (let day = 0; day < 47_500; day += 1) {
    for (const msOfDay of [0, 1, 999, 43_200_123, 86_399_999]) {
      const ms = day * 86_400_000 + msOfDay;
      assert.equal(isoFromMicros(ms * 1000), new Date(ms).toISOString());
    }
  }
  assert.equal(isoFromMicros(1_735_689_600_000_123), "2025-01-01T00:00:00.000123Z");
  assert.equal(isoFromMicros(951_782_400_000_000), "2000-02-29T00:00:00.000Z");
});

Deno.test("a trade belongs to the bucket that holds its time", () => {
  assert.equal(bucketStart(61_999_999, "1m"), 60_000_000);
  assert.equal(bucketStart(299_999_999, "5m"), 0);
  assert.equal(bucketStart(300_000_000, "5m"), 300_000_000);
});

Deno.test("a formatter kept for a run of times prints each as isoFromMicros does", () => {
  const format = createIsoFormatter();
  // Seconds across midnight, then times with microseconds, back and forth across days and years.
  const times: number[] = [];
  for (let t = 1_765_929_590_000_000; t < 1_765_929_620_000_000; t += 1_000_000) times.push(t);
  for (let k = 0; k < 20_000; k++) times.push(((k * 7_919_000_003) % 4_102_444_800_000_000) + k);
  for (const timeUs of times) assert.equal(format(timeUs), isoFromMicros(timeUs));
  assert.equal(format(1_765_929_600_000_000), "2025-12-17T00:00:00.000Z");
});
