import assert from "node:assert/strict";
import {
  booleanField,
  positiveDecimalField,
  safeIntegerField,
  shown,
  symbolField,
} from "./row_fields.ts";

Deno.test("field readers return the value or throw a RangeError naming the field and value", () => {
  assert.equal(positiveDecimalField(" 0.5 ", "qty"), "0.5");
  assert.equal(positiveDecimalField(0.25, "p (price)"), "0.25");
  assert.throws(() => positiveDecimalField("0", "price"), {
    name: "RangeError",
    message: 'price is not a positive number: "0"',
  });
  assert.throws(() => positiveDecimalField("-0.1", "price"), {
    message: 'price is not a positive number: "-0.1"',
  });
  assert.throws(() => positiveDecimalField("", "qty"), { message: "qty is missing" });
  assert.equal(safeIntegerField("4359935386", "id"), 4359935386);
  assert.throws(() => safeIntegerField(2 ** 53, "t"), {
    message: "t is not a non-negative integer below 2^53: 9007199254740992",
  });
  assert.equal(booleanField("True", "m"), true);
  assert.equal(booleanField("FALSE", "m"), false);
  assert.equal(symbolField(" btcusd_perp ", "symbol"), "BTCUSD_PERP");
  assert.throws(() => symbolField("BTC/USDT", "symbol"), {
    message: 'symbol is not a symbol (letters, digits, _): "BTC/USDT"',
  });
});

Deno.test("long values are cut in messages", () => {
  assert.equal(shown("x".repeat(100)), JSON.stringify(`${"x".repeat(40)}...`));
});
