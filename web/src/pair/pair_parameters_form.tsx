/**
 * The controls every pair view shares (Pair, Backtest): the two legs, timeframe, hedge method,
 * price transform, the rolling windows, entry and exit |z| and the range, all kept in the URL; and
 * what to say when the venue has no pair to show. A view adds its own fields as children, placed
 * before the range.
 */
import type { JSX } from "solid-js";
import type { DashboardLocation } from "../state/dashboard_location.ts";
import {
  HEDGE_METHODS,
  type HedgeMethod,
  PRICE_TRANSFORMS,
  TIMEFRAMES,
} from "../state/dashboard_params.ts";
import { NumberField, RangeField, Segmented, SelectField } from "../ui/controls.tsx";
import { EmptyState } from "../ui/messages.tsx";
import { METHOD_NAMES } from "./method_table.tsx";
import type { PairChoice } from "./pair_choice.ts";

export function PairParametersForm(props: {
  location: DashboardLocation;
  choice: PairChoice;
  /** Prefix of the fields' test ids: `${testIdPrefix}-base`, `-quote`, `-method`, `-z-window`... */
  testIdPrefix: string;
  children?: JSX.Element;
}) {
  const params = () => props.location.params();
  const update = (changes: Parameters<DashboardLocation["update"]>[0]) =>
    props.location.update(changes);
  const symbolOptions = () => props.choice.symbols().map((s) => ({ value: s, label: s }));
  return (
    <div class="controls">
      <SelectField
        label="Base (Y)"
        value={props.choice.legs().base}
        options={symbolOptions()}
        testId={`${props.testIdPrefix}-base`}
        onChange={(base) => update({ base, venue: props.choice.venue() })}
      />
      <SelectField
        label="Quote (X)"
        value={props.choice.legs().quote}
        options={symbolOptions()}
        testId={`${props.testIdPrefix}-quote`}
        onChange={(quote) => update({ quote, venue: props.choice.venue() })}
      />
      <Segmented
        label="Timeframe"
        options={TIMEFRAMES}
        value={params().timeframe}
        onChange={(timeframe) => update({ timeframe })}
      />
      <SelectField
        label="Hedge method"
        value={params().method}
        options={HEDGE_METHODS.map((m) => ({ value: m, label: METHOD_NAMES[m] }))}
        testId={`${props.testIdPrefix}-method`}
        onChange={(method) => update({ method: method as HedgeMethod })}
      />
      <Segmented
        label="Prices"
        options={PRICE_TRANSFORMS}
        value={params().transform}
        name={(t) => t === "LOG" ? "log" : "raw"}
        onChange={(transform) => update({ transform })}
      />
      <NumberField
        label="z window"
        value={params().zWindow}
        min={2}
        integer
        testId={`${props.testIdPrefix}-z-window`}
        onChange={(zWindow) => update({ zWindow })}
      />
      <NumberField
        label="Corr window"
        value={params().corrWindow}
        min={2}
        integer
        onChange={(corrWindow) => update({ corrWindow })}
      />
      <NumberField
        label="Hedge window"
        value={params().hedgeWindow}
        min={2}
        integer
        onChange={(hedgeWindow) => update({ hedgeWindow })}
      />
      <NumberField
        label="Entry |z|"
        value={params().entry}
        min={0.1}
        testId={`${props.testIdPrefix}-entry`}
        onChange={(entry) => update({ entry })}
      />
      <NumberField
        label="Exit |z|"
        value={params().exit}
        min={0}
        testId={`${props.testIdPrefix}-exit`}
        onChange={(exit) => update({ exit })}
      />
      {props.children}
      <RangeField
        from={params().from}
        to={params().to}
        onChange={(range) => update(range)}
      />
    </div>
  );
}

/** Shown instead of a pair view's results while its venue has fewer than two symbols with data. */
export function NoPairState(props: { title: string; choice: PairChoice }) {
  return (
    <EmptyState title={props.title}>
      {props.choice.symbols().length === 0
        ? "No instruments with data yet: start a feed or import recorded trades."
        : `Only ${
          props.choice.symbols().join(", ")
        } has data on ${props.choice.venue()}: import or stream a second symbol.`}
    </EmptyState>
  );
}
