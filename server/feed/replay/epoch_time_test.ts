import assert from "node:assert/strict";
import { epochMicros, epochMicrosFromText } from "./epoch_time.ts";

Deno.test("milliseconds and microseconds are told apart by magnitude", () => {
  assert.equal(epochMicros(1721347022956, "T"), 1721347022956000); // USD-M trade, 2024-07-18
  assert.equal(epochMicros(1735689600010866, "time"), 1735689600010866); // spot dump, 2025-01-01
});

Deno.test("seconds, nanoseconds and fractions are refused, not guessed", () => {
  for (const value of [1721347022, 1721347022956000000, 1721347022956.5, -1, 0]) {
    assert.throws(() => epochMicros(value, "T"), RangeError, String(value));
  }
  assert.throws(() => epochMicros(1721347022, "T"), /T is not epoch milliseconds or microseconds/);
});

// Reference values: python3 -c "from datetime import *; d=datetime.fromisoformat(S);
//   print((d - datetime(1970,1,1,tzinfo=timezone.utc)) // timedelta(microseconds=1))"
Deno.test("ISO-8601 times with an offset match Python's datetime", () => {
  assert.equal(epochMicrosFromText("2025-12-16T16:44:10.614+05:30", "time"), 1765883650614000);
  assert.equal(epochMicrosFromText("2024-03-01T00:00:00.123456Z", "time"), 1709251200123456);
  assert.equal(epochMicrosFromText("2024-02-29T23:59:59.999999-03:00", "time"), 1709261999999999);
  assert.equal(epochMicrosFromText("2024-03-01 00:00:00.123456789+0000", "time"), 1709251200123456);
  assert.equal(epochMicrosFromText("1709251200123", "time"), 1709251200123000);
});

Deno.test("ISO-8601 times without an offset, or impossible dates, are refused", () => {
  assert.throws(
    () => epochMicrosFromText("2024-03-01T00:00:00", "time"),
    /no UTC offset \(append Z for UTC\)/,
  );
  assert.throws(() => epochMicrosFromText("2023-02-29T00:00:00Z", "time"), /not a valid date/);
  assert.throws(() => epochMicrosFromText("2024-03-01T24:00:00Z", "time"), /not a valid date/);
  assert.throws(
    () => epochMicrosFromText("yesterday", "time"),
    /neither epoch milliseconds nor ISO-8601/,
  );
  assert.throws(() => epochMicrosFromText("1969-12-31T00:00:00Z", "time"), /between 2000 and 2100/);
});
