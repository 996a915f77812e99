/**
 * Live alerts: keeps every active rule's evaluator, feeds it the relevant updates, stores each firing
 * with the rule's new state, then publishes it and posts it to the rule's webhook.
 *
 * - PRICE rules observe the price of every stored trade of their instrument, in stored order; the
 *   firing's time is the trade's time.
 * - ZSCORE rules observe the pair's z-score of each bucket once it is final for both legs: the
 *   pair stream (`createPairStream`, started from the stored closes of both legs) receives every
 *   bar update of either leg, and each bucket is evaluated exactly once, in order, on its final
 *   point; the firing's time is that bucket's start. A leg is final for bucket B when its bar of B
 *   has closed (`closed: true` from live bars, by a later trade or by the clock), when it has a bar
 *   in a later bucket, or when it has no bar in B and the wall clock has passed B's end plus
 *   `closeGraceMs`, the grace live bars give late trades (so a leg that did not trade in B does not
 *   hold B back, and a quiet pair is judged on `tick()` without waiting for a next trade). Trades
 *   of two symbols are not ordered against each other: the first trade of a later bucket of one
 *   leg does not decide B while the other leg's bar of B may still change. A forming bucket is
 *   never evaluated, so a z-score that pokes through the band for a moment inside a bucket does
 *   not fire. The first bucket a rule evaluates is the newest stored one when it starts (created,
 *   resumed or restarted); its stored bar counts as forming until the clock passes its end plus
 *   the grace, or live bars close it.
 *
 * Evaluation is synchronous and never waits on the database or a webhook: the decisions are
 * written in order in the background (firing: event and rule state in one statement, then publish
 * and webhook). A rule loaded at start resumes its stored `armed` and `last_fired_at`, so a
 * condition that fired before a restart does not fire again while it keeps holding. The side of a
 * CROSSING rule is not stored: after a restart (or a resume) the first observation sets it again.
 */
import { type BarUpdate, CLOSE_GRACE_MS } from "../bars/live_bars.ts";
import { instrumentKey, isoFromMicros, TIMEFRAME_MICROS, type Trade } from "../domain.ts";
import { createPairStream, type PairLegName, type PairStream } from "../analytics/pair_stream.ts";
import type {
  AlertEvent,
  AlertRule,
  AlertStore,
  NewAlertRule,
  ZScoreSettings,
} from "../store/alert_store.ts";
import type { BarClose, BarQuery } from "../store/trade_store.ts";
import { type AlertEvaluator, createAlertEvaluator } from "./alert_evaluator.ts";
import { createWebhookSender, type WebhookSender, type WebhookStats } from "./webhook_sender.ts";

/** Where z-score rules load their history. */
export interface CloseSource {
  closes(query: BarQuery): Promise<BarClose[]>;
}

export interface AlertServiceOptions {
  /** Receives each stored firing (the `alerts` subscription). Default: nothing. */
  onFiring?: (event: AlertEvent) => void;
  /** Default `createWebhookSender({ log })`. */
  webhooks?: WebhookSender;
  /** Reports failed writes and history loads. Default `console.error`. */
  log?: (message: string) => void;
  /** The grace live bars give a bucket after its end before closing it by the clock. */
  closeGraceMs?: number;
  /** The wall clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * Whether this process decides the rule's firings. With several replicas, only the one that
   * ingests the rule's instrument (a z-score rule: its base leg) does, so a firing is never
   * doubled; the others keep the rule loaded and decide nothing. Default: every rule.
   */
  evaluates?: (rule: AlertRule) => boolean;
}

export interface AlertStats {
  activeRules: number;
  firings: number;
  failedWrites: number;
  webhooks: WebhookStats;
}

export interface AlertService {
  /**
   * Loads the stored rules and starts evaluating the ones not paused. Called again, it reloads
   * them all with their stored state (rules changed elsewhere, another replica's decisions).
   */
  start(): Promise<void>;
  observeTrades(trades: readonly Trade[]): void;
  observeBar(update: BarUpdate): void;
  /** Evaluates the z-score buckets the wall clock has made final. Call it with `LiveBars.tick`. */
  tick(): void;
  createRule(rule: NewAlertRule): Promise<AlertRule>;
  /** Null when no rule has this id. */
  setPaused(id: string, paused: boolean): Promise<AlertRule | null>;
  deleteRule(id: string): Promise<boolean>;
  rules(): Promise<AlertRule[]>;
  events(query?: { ruleId?: string; limit?: number }): Promise<AlertEvent[]>;
  /** Resolves when every decision made so far is stored and published. */
  flush(): Promise<void>;
  stats(): AlertStats;
  /** Stops evaluating, stores pending decisions, abandons webhook retries still waiting. */
  close(): Promise<void>;
}

interface ActiveRule {
  rule: AlertRule;
  evaluator: AlertEvaluator;
  /** ZSCORE only. */
  pair: PairMonitor | null;
}

interface PairMonitor {
  /** Null while the history loads; updates meanwhile wait in `queued`. */
  stream: PairStream | null;
  queued: { leg: PairLegName; bar: BarClose; closed: boolean }[];
  /** Buckets starting at or before this time have been evaluated (or skipped as empty). */
  evaluatedThroughUs: number;
  /** The length of one bucket of the rule's timeframe. */
  timeframeUs: number;
  legs: Record<PairLegName, LegProgress>;
}

/** What a z-score rule knows of one leg's newest bar. */
interface LegProgress {
  /** The bucket of the leg's newest bar; -Infinity before any. */
  barUs: number;
  /**
   * LIVE: a live bar not closed yet; STORED: the newest stored bar when the rule started, which
   * live bars may still be forming until its end plus the grace; CLOSED: final.
   */
  state: "LIVE" | "STORED" | "CLOSED";
}

/** Enough closed bars per leg for every window of the newest point, as `pairStream` loads. */
function historyBars(settings: ZScoreSettings): number {
  return Math.max(
    settings.lookback,
    settings.hedgeWindow + settings.zWindow,
    settings.corrWindow + 1,
  ) + 64;
}

/** Builds the pair stream of a ZSCORE rule; throws RangeError on settings it cannot use. */
export function createRulePairStream(
  rule: Pick<NewAlertRule, "symbol" | "quote" | "pair">,
  history: { base: BarClose[]; quote: BarClose[] } = { base: [], quote: [] },
): PairStream {
  if (rule.pair === null || rule.quote === null) {
    throw new TypeError("A z-score rule needs a pair (quote and settings)");
  }
  const { lookback, timeframe, ...settings } = rule.pair;
  return createPairStream({
    ...settings,
    barSeconds: TIMEFRAME_MICROS[timeframe] / 1e6,
    lookback,
    history: {
      base: { symbol: rule.symbol, bars: history.base },
      quote: { symbol: rule.quote, bars: history.quote },
    },
  });
}

function describe(rule: AlertRule, value: number, direction: "UP" | "DOWN" | null): string {
  const subject = rule.kind === "PRICE"
    ? `${rule.venue}:${rule.symbol} price ${value}`
    : `${rule.venue}:${rule.symbol}/${rule.quote} z-score (${rule.pair?.timeframe}, ` +
      `${rule.pair?.method}) ${Number(value.toFixed(4))}`;
  switch (rule.condition) {
    case "ABOVE":
      return `${subject} is above ${rule.level}`;
    case "BELOW":
      return `${subject} is below ${rule.level}`;
    case "OUTSIDE":
      return `${subject} is outside ±${rule.level}`;
    case "CROSSING":
      return `${subject} crossed ${rule.level} ${direction === "UP" ? "upward" : "downward"}`;
  }
}

/** What a webhook receives: the fields of the GraphQL `AlertEvent`, time in ISO-8601 UTC. */
function webhookPayload(event: AlertEvent) {
  const { timeUs, ...fields } = event;
  return {
    id: fields.id,
    ruleId: fields.ruleId,
    ruleName: fields.ruleName,
    kind: fields.kind,
    condition: fields.condition,
    level: fields.level,
    time: isoFromMicros(timeUs),
    value: fields.value,
    message: fields.message,
  };
}

function barKey(venue: string, symbol: string, timeframe: string): string {
  return `${venue}:${symbol}:${timeframe}`;
}

export function createAlertService(
  store: AlertStore,
  closeSource: CloseSource,
  options: AlertServiceOptions = {},
): AlertService {
  const log = options.log ?? ((message: string) => console.error(message));
  const onFiring = options.onFiring ?? (() => {});
  const webhooks = options.webhooks ?? createWebhookSender({ log });
  const graceUs = (options.closeGraceMs ?? CLOSE_GRACE_MS) * 1000;
  const now = options.now ?? Date.now;
  const evaluates = options.evaluates ?? (() => true);
  const active = new Map<string, ActiveRule>();
  /** PRICE rules by `venue:SYMBOL`. */
  const byInstrument = new Map<string, Set<ActiveRule>>();
  /** ZSCORE rules by `venue:SYMBOL:timeframe` of each leg. */
  const byBarKey = new Map<string, Set<{ rule: ActiveRule; leg: PairLegName }>>();
  const counts = { firings: 0, failedWrites: 0 };
  let writes: Promise<void> = Promise.resolve();
  const retryWaiters = new Set<{ wake: () => void }>();
  let closed = false;

  /**
   * Writes in order; a failed write is retried (0.5 s doubling to 30 s) until it succeeds, so a
   * firing is never lost while the database is away. Retrying is safe: the store records a firing
   * once however often it is asked. At shutdown a failing write is tried once more, then given up.
   */
  function enqueueWrite(what: string, task: () => Promise<void>): void {
    writes = writes.then(async () => {
      for (let attempt = 1;; attempt++) {
        try {
          await task();
          return;
        } catch (error) {
          counts.failedWrites++;
          const reason = error instanceof Error ? error.message : String(error);
          if (closed && attempt > 1) {
            log(`Could not store ${what} before shutdown, given up: ${reason}`);
            return;
          }
          if (attempt === 1 || attempt % 10 === 0) {
            log(`Could not store ${what} (attempt ${attempt}), retrying: ${reason}`);
          }
          await retryPause(Math.min(30_000, 500 * 2 ** (attempt - 1)));
        }
      }
    });
  }

  /** Waits before a retry; cut short by `close()`. */
  function retryPause(ms: number): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiter = { wake: done };
      retryWaiters.add(waiter);
      function done() {
        clearTimeout(timer);
        retryWaiters.delete(waiter);
        resolve();
      }
    });
  }

  function observe(entry: ActiveRule, value: number, timeUs: number): void {
    if (!Number.isFinite(value) || active.get(entry.rule.id) !== entry) return;
    if (!evaluates(entry.rule)) return;
    const decision = entry.evaluator.observe(value, timeUs);
    const { rule } = entry;
    if (decision.fired) {
      const message = describe(rule, value, decision.direction);
      enqueueWrite(`a firing of alert rule ${rule.id}`, async () => {
        const event = await store.recordFiring(rule.id, { timeUs, value, message });
        if (event === null) return;
        counts.firings++;
        onFiring(event);
        if (rule.webhookUrl !== null) webhooks.send(rule.webhookUrl, webhookPayload(event));
      });
    } else if (decision.armedChanged) {
      const armed = decision.armed;
      enqueueWrite(`the state of alert rule ${rule.id}`, () => store.setArmed(rule.id, armed));
    }
  }

  function index<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
    const set = map.get(key);
    if (set) set.add(value);
    else map.set(key, new Set([value]));
  }

  function unindex<K, V>(map: Map<K, Set<V>>, keep: (value: V) => boolean): void {
    for (const [key, set] of map) {
      for (const value of set) if (!keep(value)) set.delete(value);
      if (set.size === 0) map.delete(key);
    }
  }

  function deactivate(id: string): void {
    const entry = active.get(id);
    if (!entry) return;
    active.delete(id);
    unindex(byInstrument, (value) => value !== entry);
    unindex(byBarKey, (value) => value.rule !== entry);
  }

  function feedPair(entry: ActiveRule, leg: PairLegName, bar: BarClose, closed: boolean): void {
    const monitor = entry.pair!;
    if (monitor.stream === null) {
      monitor.queued.push({ leg, bar, closed });
      return;
    }
    try {
      monitor.stream.update(leg, bar);
    } catch {
      // A bar older than the kept history (a late correction): the stream cannot place it.
      return;
    }
    const progress = monitor.legs[leg];
    if (bar.timeUs >= progress.barUs) {
      progress.barUs = bar.timeUs;
      progress.state = closed ? "CLOSED" : "LIVE";
    }
    evaluateFinal(entry);
  }

  /**
   * The newest bucket start through which `leg` is final: its bar's bucket is final once that
   * bar is closed, any earlier one already; a bucket after its bar once the clock passed its end
   * plus the grace.
   */
  function legFinalThroughUs(monitor: PairMonitor, leg: PairLegName, nowUs: number): number {
    const { barUs, state } = monitor.legs[leg];
    const byClockUs = nowUs - monitor.timeframeUs - graceUs;
    if (state === "CLOSED") return Math.max(barUs, byClockUs);
    if (state === "STORED" && byClockUs >= barUs) return byClockUs;
    return barUs - 1;
  }

  /** Evaluates, in order and once each, the buckets that have become final for both legs. */
  function evaluateFinal(entry: ActiveRule): void {
    const monitor = entry.pair!;
    if (monitor.stream === null) return;
    const nowUs = now() * 1000;
    const finalThroughUs = Math.min(
      legFinalThroughUs(monitor, "base", nowUs),
      legFinalThroughUs(monitor, "quote", nowUs),
    );
    if (finalThroughUs <= monitor.evaluatedThroughUs) return;
    monitor.stream.closeThrough(finalThroughUs);
    const points = monitor.stream.closedPoints(monitor.evaluatedThroughUs, finalThroughUs);
    monitor.evaluatedThroughUs = finalThroughUs;
    for (const point of points) {
      if (point.zscore !== null) observe(entry, point.zscore, point.timeUs);
    }
  }

  async function activate(rule: AlertRule): Promise<void> {
    deactivate(rule.id);
    if (rule.paused || closed) return;
    const entry: ActiveRule = {
      rule,
      evaluator: createAlertEvaluator({
        condition: rule.condition,
        level: rule.level,
        cooldownUs: rule.cooldownMs * 1000,
        armed: rule.armed,
        lastFiredAtUs: rule.lastFiredAtUs,
      }),
      pair: null,
    };
    active.set(rule.id, entry);
    if (rule.kind === "PRICE") {
      index(byInstrument, instrumentKey(rule.venue, rule.symbol), entry);
      return;
    }
    const settings = rule.pair!;
    const monitor: PairMonitor = {
      stream: null,
      queued: [],
      evaluatedThroughUs: -Infinity,
      timeframeUs: TIMEFRAME_MICROS[settings.timeframe],
      legs: {
        base: { barUs: -Infinity, state: "CLOSED" },
        quote: { barUs: -Infinity, state: "CLOSED" },
      },
    };
    entry.pair = monitor;
    // Subscribe first, then load: bars that arrive during the load are queued, none is missed.
    index(byBarKey, barKey(rule.venue, rule.symbol, settings.timeframe), {
      rule: entry,
      leg: "base",
    });
    index(byBarKey, barKey(rule.venue, rule.quote!, settings.timeframe), {
      rule: entry,
      leg: "quote",
    });
    try {
      const limit = historyBars(settings);
      const [base, quote] = await Promise.all(
        [rule.symbol, rule.quote!].map((symbol) =>
          closeSource.closes({ venue: rule.venue, symbol, timeframe: settings.timeframe, limit })
        ),
      );
      monitor.stream = createRulePairStream(rule, { base, quote });
      monitor.legs.base = { barUs: base.at(-1)?.timeUs ?? -Infinity, state: "STORED" };
      monitor.legs.quote = { barUs: quote.at(-1)?.timeUs ?? -Infinity, state: "STORED" };
    } catch (error) {
      deactivate(rule.id);
      log(`Alert rule ${rule.id} (${rule.name}) cannot start: ${String(error)}`);
      return;
    }
    // The newest stored bucket may still be forming (a rule created or resumed mid-bucket, a
    // restart): it is evaluated once final. Older ones were final before the rule started.
    const newest = monitor.stream.latest();
    monitor.evaluatedThroughUs = newest === null ? -Infinity : newest.timeUs - 1;
    for (const update of monitor.queued.splice(0)) {
      feedPair(entry, update.leg, update.bar, update.closed);
    }
    evaluateFinal(entry);
  }

  return {
    async start() {
      for (const rule of await store.rules()) await activate(rule);
    },
    observeTrades(trades) {
      if (byInstrument.size === 0) return;
      for (const trade of trades) {
        const entries = byInstrument.get(instrumentKey(trade.venue, trade.symbol));
        if (!entries) continue;
        for (const entry of entries) observe(entry, Number(trade.price), trade.timeUs);
      }
    },
    observeBar(update) {
      const { bar } = update;
      const entries = byBarKey.get(barKey(bar.venue, bar.symbol, update.timeframe));
      if (!entries) return;
      for (const { rule, leg } of entries) {
        feedPair(rule, leg, { timeUs: bar.timeUs, close: bar.close }, update.closed);
      }
    },
    tick() {
      for (const entry of active.values()) if (entry.pair !== null) evaluateFinal(entry);
    },
    async createRule(newRule) {
      const rule = await store.createRule(newRule);
      await activate(rule);
      return rule;
    },
    async setPaused(id, paused) {
      // Stored decisions of the rule first, so that a resume restores its latest state.
      await writes;
      const rule = await store.setPaused(id, paused);
      if (rule === null) return null;
      if (paused) deactivate(id);
      else if (!active.has(id)) await activate(rule);
      return rule;
    },
    async deleteRule(id) {
      deactivate(id);
      return await store.deleteRule(id);
    },
    rules: () => store.rules(),
    events: (query) => store.events(query),
    async flush() {
      await writes;
    },
    stats: () => ({
      activeRules: active.size,
      firings: counts.firings,
      failedWrites: counts.failedWrites,
      webhooks: webhooks.stats(),
    }),
    async close() {
      closed = true;
      for (const id of [...active.keys()]) deactivate(id);
      for (const waiter of [...retryWaiters]) waiter.wake();
      await writes;
      await webhooks.close();
    },
  };
}
