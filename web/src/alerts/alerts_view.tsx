/**
 * Alerts: a form for a price rule (an instrument's trade price against a level) or a z-score rule
 * (a pair's spread z-score at each closed bar), the rules with pause, resume and delete, and the
 * log of firings as they happen. The form starts from the instrument and pair the URL names.
 */
import { createSignal, For, Show } from "solid-js";
import { HEDGE_METHODS, type HedgeMethod, TIMEFRAMES } from "../state/dashboard_params.ts";
import { Segmented } from "../ui/controls.tsx";
import { formatNumber, formatPrice } from "../ui/format.ts";
import { EmptyState, ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import type {
  AlertCondition,
  AlertKind,
  AlertRuleInput,
  AlertRuleResult,
} from "./alert_documents.ts";
import { type AlertRules, createAlertLog, createAlertRules } from "./alert_data.ts";

const PRICE_CONDITIONS: readonly AlertCondition[] = ["ABOVE", "BELOW", "CROSSING"];
const ZSCORE_CONDITIONS: readonly AlertCondition[] = ["ABOVE", "BELOW", "OUTSIDE"];
const KINDS: readonly AlertKind[] = ["PRICE", "ZSCORE"];

export default function AlertsView(props: ViewProps) {
  const params = () => props.location.params();
  const rules = createAlertRules(props.client);
  const log = createAlertLog(props.client);

  const [kind, setKind] = createSignal<AlertKind>("PRICE");
  const [condition, setCondition] = createSignal<AlertCondition>("ABOVE");
  const [symbol, setSymbol] = createSignal(params().symbol || params().base);
  const [base, setBase] = createSignal(params().base);
  const [quote, setQuote] = createSignal(params().quote);
  const [timeframe, setTimeframe] = createSignal(params().timeframe);
  const [method, setMethod] = createSignal(params().method);
  const [zWindow, setZWindow] = createSignal(String(params().zWindow));
  const [level, setLevel] = createSignal("");
  const [cooldown, setCooldown] = createSignal("0");
  const [webhook, setWebhook] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const [formError, setFormError] = createSignal("");

  const conditions = () => kind() === "PRICE" ? PRICE_CONDITIONS : ZSCORE_CONDITIONS;
  const venue = () => params().venue || undefined;

  function chooseKind(next: AlertKind) {
    setKind(next);
    if (!conditions().includes(condition())) setCondition("ABOVE");
  }

  /** The rule the form describes, or what is missing from it. */
  function ruleInput(): AlertRuleInput | string {
    const levelValue = Number(level());
    if (level().trim() === "" || !Number.isFinite(levelValue)) return "Give the level as a number";
    const common = {
      condition: condition(),
      level: levelValue,
      cooldownSeconds: Number(cooldown()) || 0,
      webhookUrl: webhook().trim() || undefined,
    };
    if (kind() === "PRICE") {
      if (symbol().trim() === "") return "Give the instrument's symbol";
      return { ...common, symbol: symbol().trim().toUpperCase(), venue: venue() };
    }
    if (base().trim() === "" || quote().trim() === "") return "Give both legs of the pair";
    return {
      ...common,
      pair: {
        base: base().trim().toUpperCase(),
        quote: quote().trim().toUpperCase(),
        venue: venue(),
        timeframe: timeframe(),
        method: method(),
        zWindow: Math.round(Number(zWindow())),
      },
    };
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const input = ruleInput();
    if (typeof input === "string") {
      setFormError(input);
      return;
    }
    setFormError("");
    setSaving(true);
    const stored = await rules.create(input);
    setSaving(false);
    if (stored) setLevel("");
  }

  return (
    <div class="alerts-view" data-view="alerts">
      <form class="panel alert-form" data-testid="alert-form" onSubmit={submit}>
        <h2>New rule</h2>
        <div class="controls">
          <Segmented
            label="Watch"
            options={KINDS}
            value={kind()}
            onChange={chooseKind}
            name={(k) => k === "PRICE" ? "Price" : "Pair z-score"}
          />
          <Show
            when={kind() === "ZSCORE"}
            fallback={
              <label class="field">
                <span class="field-label">Symbol</span>
                <input
                  value={symbol()}
                  data-testid="alert-symbol"
                  placeholder="BTCUSDT"
                  onInput={(e) => setSymbol(e.currentTarget.value)}
                />
              </label>
            }
          >
            <label class="field">
              <span class="field-label">Base (Y)</span>
              <input value={base()} onInput={(e) => setBase(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span class="field-label">Quote (X)</span>
              <input value={quote()} onInput={(e) => setQuote(e.currentTarget.value)} />
            </label>
            <Segmented
              label="Timeframe"
              options={TIMEFRAMES}
              value={timeframe()}
              onChange={setTimeframe}
            />
            <label class="field">
              <span class="field-label">Hedge</span>
              <select
                value={method()}
                onChange={(e) => setMethod(e.currentTarget.value as HedgeMethod)}
              >
                <For each={HEDGE_METHODS}>
                  {(m) => <option value={m} selected={m === method()}>{m}</option>}
                </For>
              </select>
            </label>
            <label class="field">
              <span class="field-label">z window</span>
              <input
                type="number"
                class="number"
                min="2"
                step="1"
                value={zWindow()}
                onInput={(e) => setZWindow(e.currentTarget.value)}
              />
            </label>
          </Show>
          <Segmented
            label="Condition"
            options={conditions()}
            value={condition()}
            onChange={setCondition}
          />
          <label class="field">
            <span class="field-label">Level</span>
            <input
              type="number"
              class="number"
              step="any"
              value={level()}
              data-testid="alert-level"
              onInput={(e) => setLevel(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">Cooldown (s)</span>
            <input
              type="number"
              class="number"
              min="0"
              step="any"
              value={cooldown()}
              onInput={(e) => setCooldown(e.currentTarget.value)}
            />
          </label>
          <label class="field webhook">
            <span class="field-label">Webhook (optional)</span>
            <input
              type="url"
              placeholder="https://…"
              value={webhook()}
              onInput={(e) => setWebhook(e.currentTarget.value)}
            />
          </label>
          <button type="submit" data-testid="alert-create" disabled={saving()}>
            {saving() ? "Saving…" : "Create rule"}
          </button>
        </div>
        <Show when={formError()}>
          <div class="message error" role="alert">{formError()}</div>
        </Show>
      </form>

      <ErrorList messages={rules.errors()} />

      <div class="panel">
        <h2>Rules</h2>
        <Show
          when={rules.rules().length > 0}
          fallback={
            <Show when={rules.loaded()}>
              <EmptyState title="No alert rules yet">
                Create one above; it is evaluated from the next trade or closed bar.
              </EmptyState>
            </Show>
          }
        >
          <table data-testid="alert-rules">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Watches</th>
                <th>Cooldown</th>
                <th>Last fired</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <For each={rules.rules()}>
                {(rule) => <RuleRow rule={rule} rules={rules} />}
              </For>
            </tbody>
          </table>
        </Show>
      </div>

      <div class="panel">
        <h2>Firings</h2>
        <ErrorList messages={log.errors()} />
        <Show
          when={log.events().length > 0}
          fallback={<small>No firings yet: they appear here as they happen.</small>}
        >
          <ol class="alert-log" data-testid="alert-log">
            <For each={log.events()}>
              {(event) => (
                <li>
                  <time>{event.time.replace("T", " ").slice(0, 23)}</time>{" "}
                  <strong>{event.ruleName}</strong> {event.message}{" "}
                  <small>
                    ({event.kind === "PRICE"
                      ? formatPrice(event.value)
                      : formatNumber(event.value, 3)})
                  </small>
                </li>
              )}
            </For>
          </ol>
        </Show>
      </div>
    </div>
  );
}

function RuleRow(props: { rule: AlertRuleResult; rules: AlertRules }) {
  const watches = () =>
    props.rule.kind === "PRICE"
      ? `${props.rule.symbol} on ${props.rule.venue}`
      : `z of ${props.rule.symbol} / ${props.rule.quote} ${props.rule.timeframe} ${props.rule.method} (${props.rule.zWindow})`;
  return (
    <tr data-rule={props.rule.id}>
      <td>{props.rule.name}</td>
      <td>{watches()}</td>
      <td>{props.rule.cooldownSeconds} s</td>
      <td>{props.rule.lastFiredAt?.replace("T", " ").slice(0, 19) ?? "never"}</td>
      <td>
        {props.rule.paused ? "paused" : props.rule.armed ? "armed" : "fired, re-arms when false"}
      </td>
      <td class="actions">
        <Show
          when={props.rule.paused}
          fallback={
            <button type="button" onClick={() => props.rules.pause(props.rule.id)}>Pause</button>
          }
        >
          <button type="button" onClick={() => props.rules.resume(props.rule.id)}>Resume</button>
        </Show>
        <button type="button" class="danger" onClick={() => props.rules.remove(props.rule.id)}>
          Delete
        </button>
      </td>
    </tr>
  );
}
