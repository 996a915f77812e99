import assert from "node:assert/strict";
import { parseNumberList } from "./number_list.ts";

Deno.test("a list of numbers reads back as the same doubles Number() gives", () => {
  // Closes as numeric prints them (any scale, trailing zeros kept), microsecond times, and values
  // beyond the digit-reading fast path (17 digits, 2^53 and above, signs, exponents).
  let state = 4242;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const texts = [
    "91234.5",
    "0.00001234",
    "3456.780",
    "1765929600000000",
    "9007199254740993",
    "12345678901234567",
    "0.1234567890123456789",
    "-2.5",
    "1e3",
    "7.",
  ];
  for (let k = 0; k < 20_000; k++) {
    const decimals = Math.floor(next() * 12);
    texts.push((next() * 10 ** Math.floor(next() * 9)).toFixed(decimals));
  }
  const values = parseNumberList(texts.join(","), "close");
  assert.equal(values.length, texts.length);
  texts.forEach((text, k) => assert.equal(values[k], Number(text), `"${text}"`));
});

Deno.test("no list reads as no numbers; a value that is no number is an error naming it", () => {
  assert.equal(parseNumberList(null, "close").length, 0);
  assert.throws(() => parseNumberList("1.5,NaN,2", "close"), /sent "NaN" as a bar close/);
  assert.throws(() => parseNumberList("1,,2", "time"), /sent "" as a bar time/);
});
