import fixtures from "./fixtures/stationarity.json" with { type: "json" };
import { assertClose } from "./fixtures/assert_close.ts";
import { standardNormalCdf } from "./normal_distribution.ts";

// Reference: scipy 1.10 `norm.cdf(x)`, from fixtures/make_fixtures_stationarity.py.
Deno.test("Phi matches scipy's norm.cdf to 1e-12 relative, down to Phi(-37) ~ 6e-300", () => {
  for (const { x, cdf } of fixtures.normalCdf) {
    assertClose(standardNormalCdf(x), cdf, 1e-12, `Phi(${x})`);
  }
});

Deno.test("Phi is 0 and 1 at the infinities and 1/2 at 0", () => {
  assertClose(standardNormalCdf(-Infinity), 0, 0, "Phi(-inf)");
  assertClose(standardNormalCdf(Infinity), 1, 0, "Phi(inf)");
  assertClose(standardNormalCdf(0), 0.5, 0, "Phi(0)");
});
