/**
 * Alerts: rules on an instrument's price or a pair's z-score, created, paused, resumed and deleted
 * through mutations, their firings listed by `alertEvents` and pushed live on `alerts`.
 * Evaluation lives in `server/alerts` (hysteresis, cooldown, webhooks); this file validates and
 * shapes.
 */
import { isoFromMicros } from "../../domain.ts";
import type { AlertCondition } from "../../alerts/alert_evaluator.ts";
import { type AlertService, createRulePairStream } from "../../alerts/alert_service.ts";
import type { AlertEvent, AlertRule, NewAlertRule } from "../../store/alert_store.ts";
import { builder } from "../builder.ts";
import type { ApiContext } from "../context.ts";
import { parsePositiveInt, shown } from "../arguments.ts";
import { asUserError, badUserInput, notFound } from "../errors.ts";
import { knownInstrument } from "./market.ts";
import { HedgeMethodEnum, PairInput, PriceTransformEnum, resolvePairInput } from "./pairs.ts";
import { TimeframeEnum } from "./market.ts";

const AlertKindEnum = builder.enumType("AlertKind", {
  description: "PRICE watches an instrument's trade prices; ZSCORE a pair's z-score at each " +
    "closed bucket.",
  values: ["PRICE", "ZSCORE"] as const,
});

const AlertConditionEnum = builder.enumType("AlertCondition", {
  description: "ABOVE: value > level; BELOW: value < level; CROSSING (price): the price moved " +
    "from one side of the level to the other; OUTSIDE (z-score): |z| > level.",
  values: ["ABOVE", "BELOW", "CROSSING", "OUTSIDE"] as const,
});

const PRICE_CONDITIONS: AlertCondition[] = ["ABOVE", "BELOW", "CROSSING"];
const ZSCORE_CONDITIONS: AlertCondition[] = ["ABOVE", "BELOW", "OUTSIDE"];
const MAX_COOLDOWN_SECONDS = 30 * 24 * 3600;
const MAX_EVENTS = 10_000;
const MAX_URL_LENGTH = 2_048;

const AlertRuleInput = builder.inputType("AlertRuleInput", {
  description: "A price rule gives `symbol` (and `venue`); a z-score rule gives `pair` (no " +
    "from/to: it follows live bars).",
  fields: (t) => ({
    name: t.string({ description: "Default: a description of the condition." }),
    condition: t.field({ type: AlertConditionEnum, required: true }),
    level: t.float({ required: true }),
    symbol: t.string(),
    venue: t.string(),
    pair: t.field({ type: PairInput }),
    lookback: t.int({
      defaultValue: 500,
      description: "Z-score rules with OLS, HUBER or THEIL_SEN: closed points the hedge is " +
        "fitted on (as pairStream).",
    }),
    cooldownSeconds: t.float({
      defaultValue: 0,
      description: "Least time between two firings; a transition sooner is not reported.",
    }),
    webhookUrl: t.string({ description: "http(s) URL that receives each firing as a JSON POST." }),
  }),
});

const AlertRuleType = builder.objectRef<AlertRule>("AlertRule").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.field({ type: AlertKindEnum, resolve: (rule) => rule.kind }),
    condition: t.field({ type: AlertConditionEnum, resolve: (rule) => rule.condition }),
    level: t.exposeFloat("level"),
    venue: t.exposeString("venue"),
    symbol: t.string({
      description: "The instrument (PRICE) or the pair's base (ZSCORE).",
      resolve: (rule) => rule.symbol,
    }),
    quote: t.string({ nullable: true, resolve: (rule) => rule.quote }),
    timeframe: t.field({
      type: TimeframeEnum,
      nullable: true,
      resolve: (rule) => rule.pair?.timeframe ?? null,
    }),
    method: t.field({
      type: HedgeMethodEnum,
      nullable: true,
      resolve: (rule) => rule.pair?.method ?? null,
    }),
    priceTransform: t.field({
      type: PriceTransformEnum,
      nullable: true,
      resolve: (rule) => rule.pair?.priceTransform ?? null,
    }),
    zWindow: t.int({ nullable: true, resolve: (rule) => rule.pair?.zWindow ?? null }),
    corrWindow: t.int({ nullable: true, resolve: (rule) => rule.pair?.corrWindow ?? null }),
    hedgeWindow: t.int({ nullable: true, resolve: (rule) => rule.pair?.hedgeWindow ?? null }),
    kalmanDelta: t.float({ nullable: true, resolve: (rule) => rule.pair?.kalmanDelta ?? null }),
    kalmanR: t.float({ nullable: true, resolve: (rule) => rule.pair?.kalmanR ?? null }),
    lookback: t.int({ nullable: true, resolve: (rule) => rule.pair?.lookback ?? null }),
    cooldownSeconds: t.float({ resolve: (rule) => rule.cooldownMs / 1000 }),
    webhookUrl: t.string({ nullable: true, resolve: (rule) => rule.webhookUrl }),
    paused: t.exposeBoolean("paused"),
    armed: t.boolean({
      description: "False after a firing until the condition has been false again.",
      resolve: (rule) => rule.armed,
    }),
    lastFiredAt: t.string({
      nullable: true,
      resolve: (rule) => rule.lastFiredAtUs === null ? null : isoFromMicros(rule.lastFiredAtUs),
    }),
    createdAt: t.string({ resolve: (rule) => isoFromMicros(rule.createdAtUs) }),
  }),
});

const AlertEventType = builder.objectRef<AlertEvent>("AlertEvent").implement({
  description: "One firing of a rule.",
  fields: (t) => ({
    id: t.exposeID("id"),
    ruleId: t.exposeID("ruleId"),
    ruleName: t.exposeString("ruleName"),
    kind: t.field({ type: AlertKindEnum, resolve: (event) => event.kind }),
    condition: t.field({ type: AlertConditionEnum, resolve: (event) => event.condition }),
    level: t.exposeFloat("level"),
    time: t.string({
      description: "The trade's time (PRICE) or the closed bucket's start (ZSCORE), ISO-8601 UTC.",
      resolve: (event) => isoFromMicros(event.timeUs),
    }),
    value: t.float({
      description: "The price or z-score that fired.",
      resolve: (event) => event.value,
    }),
    message: t.exposeString("message"),
  }),
});

function alertsOf(context: ApiContext): AlertService {
  if (!context.alerts) throw new Error("This server was started without alerts");
  return context.alerts;
}

function parseWebhookUrl(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  if (value.length > MAX_URL_LENGTH) {
    throw badUserInput(
      `webhookUrl is ${value.length} characters long, over the limit of ${MAX_URL_LENGTH}`,
      "webhookUrl",
    );
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badUserInput(`webhookUrl "${shown(value)}" is not a URL`, "webhookUrl");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw badUserInput(
      `webhookUrl must be an http or https URL, got ${url.protocol}`,
      "webhookUrl",
    );
  }
  return url.href;
}

type AlertRuleInputShape = typeof AlertRuleInput.$inferInput;

/** Checks an AlertRuleInput against the data and the analytics, and returns the rule to store. */
async function resolveAlertRuleInput(
  context: ApiContext,
  input: AlertRuleInputShape,
): Promise<NewAlertRule> {
  const condition = input.condition as AlertCondition;
  if (!Number.isFinite(input.level)) {
    throw badUserInput(`level must be a finite number, got ${input.level}`, "level");
  }
  const cooldownSeconds = input.cooldownSeconds ?? 0;
  if (!(cooldownSeconds >= 0 && cooldownSeconds <= MAX_COOLDOWN_SECONDS)) {
    throw badUserInput(
      `cooldownSeconds must be from 0 to ${MAX_COOLDOWN_SECONDS} (30 days), got ${cooldownSeconds}`,
      "cooldownSeconds",
    );
  }
  const name = input.name?.trim() ?? "";
  if (name.length > 200) throw badUserInput("name is longer than 200 characters", "name");
  const hasSymbol = input.symbol !== null && input.symbol !== undefined;
  const hasPair = input.pair !== null && input.pair !== undefined;
  if (hasSymbol === hasPair) {
    throw badUserInput(
      "Give either symbol (a price rule) or pair (a z-score rule), not both or neither",
      hasSymbol ? "pair" : "symbol",
    );
  }
  const common = {
    condition,
    level: input.level,
    cooldownMs: Math.round(cooldownSeconds * 1000),
    webhookUrl: parseWebhookUrl(input.webhookUrl),
  };
  if (hasSymbol) {
    if (!PRICE_CONDITIONS.includes(condition)) {
      throw badUserInput(
        `A price rule takes ${PRICE_CONDITIONS.join(", ")}; ${condition} is for z-score rules`,
        "condition",
      );
    }
    const instrument = await knownInstrument(context, input.symbol!, input.venue, "symbol");
    return {
      ...common,
      name: name || `${instrument.symbol} ${condition.toLowerCase()} ${input.level}`,
      kind: "PRICE",
      venue: instrument.venue,
      symbol: instrument.symbol,
      quote: null,
      pair: null,
    };
  }
  const pairInput = input.pair!;
  if (!ZSCORE_CONDITIONS.includes(condition)) {
    throw badUserInput(
      `A z-score rule takes ${ZSCORE_CONDITIONS.join(", ")}; ${condition} is for price rules`,
      "condition",
    );
  }
  if (condition === "OUTSIDE" && !(input.level > 0)) {
    throw badUserInput(`OUTSIDE needs a level above 0 (|z| > level), got ${input.level}`, "level");
  }
  if (pairInput.from || pairInput.to) {
    throw badUserInput("A z-score rule follows live bars: leave pair.from and pair.to out", "pair");
  }
  if (input.venue !== null && input.venue !== undefined) {
    throw badUserInput("A z-score rule takes its venue in pair.venue", "venue");
  }
  const request = await resolvePairInput(context, pairInput, "pair");
  const { options } = request;
  const rule: NewAlertRule = {
    ...common,
    name: name ||
      `${request.base.symbol}/${request.quote.symbol} z ${condition.toLowerCase()} ${input.level}`,
    kind: "ZSCORE",
    venue: request.base.venue,
    symbol: request.base.symbol,
    quote: request.quote.symbol,
    pair: {
      timeframe: request.timeframe,
      method: options.method,
      priceTransform: options.priceTransform,
      zWindow: options.zWindow ?? 60,
      corrWindow: options.corrWindow ?? 60,
      hedgeWindow: options.hedgeWindow ?? 100,
      kalmanDelta: options.kalmanDelta ?? 1e-4,
      kalmanR: options.kalmanR ?? 1e-3,
      lookback: input.lookback ?? 500,
    },
  };
  try {
    createRulePairStream(rule);
  } catch (error) {
    throw asUserError(error);
  }
  return rule;
}

builder.queryFields((t) => ({
  alertRules: t.field({
    type: [AlertRuleType],
    description: "Every alert rule, oldest first, paused ones included.",
    resolve: (_root, _args, context) => alertsOf(context).rules(),
  }),
  alertEvents: t.field({
    type: [AlertEventType],
    description: "Stored firings, newest first; of one rule with ruleId.",
    args: { ruleId: t.arg.id(), limit: t.arg.int({ defaultValue: 100 }) },
    resolve: (_root, args, context) =>
      alertsOf(context).events({
        ruleId: args.ruleId === null || args.ruleId === undefined ? undefined : String(args.ruleId),
        limit: parsePositiveInt("limit", args.limit, MAX_EVENTS) ?? 100,
      }),
  }),
}));

async function setPaused(context: ApiContext, id: string, paused: boolean): Promise<AlertRule> {
  const rule = await alertsOf(context).setPaused(id, paused);
  if (rule === null) throw notFound(`No alert rule has id ${id}`);
  return rule;
}

builder.mutationFields((t) => ({
  createAlertRule: t.field({
    type: AlertRuleType,
    description: "Stores a rule and starts evaluating it on the next update.",
    args: { input: t.arg({ type: AlertRuleInput, required: true }) },
    resolve: async (_root, args, context) =>
      alertsOf(context).createRule(await resolveAlertRuleInput(context, args.input)),
  }),
  pauseAlertRule: t.field({
    type: AlertRuleType,
    description: "Stops evaluating the rule; it keeps its state and firings.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => setPaused(context, String(args.id), true),
  }),
  resumeAlertRule: t.field({
    type: AlertRuleType,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => setPaused(context, String(args.id), false),
  }),
  deleteAlertRule: t.boolean({
    description: "Deletes the rule and its firings; false when no rule has this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => alertsOf(context).deleteRule(String(args.id)),
  }),
}));

builder.subscriptionFields((t) => ({
  alerts: t.field({
    type: AlertEventType,
    description: "Every firing of every rule, as soon as it is stored.",
    subscribe: (_root, _args, context) => context.pubsub.subscribe("alerts"),
    resolve: (event: AlertEvent) => event,
  }),
}));
