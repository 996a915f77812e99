/**
 * Everything a view shows is chosen by controls that live in the URL (path = view, query = the
 * controls), so a view survives a reload and can be shared as a link. Parsing is forgiving: a value
 * that makes no sense falls back to its default instead of breaking the page.
 */

export type View = "market" | "pair" | "scanner" | "backtest" | "alerts" | "data";
export type Timeframe = "S1" | "M1" | "M5";
export type HedgeMethod = "OLS" | "HUBER" | "THEIL_SEN" | "ROLLING_OLS" | "KALMAN";
export type PriceTransform = "LOG" | "RAW";
export type WalkForward = "NONE" | "ROLLING" | "EXPANDING";

export const VIEWS: readonly View[] = ["market", "pair", "scanner", "backtest", "alerts", "data"];
export const TIMEFRAMES: readonly Timeframe[] = ["S1", "M1", "M5"];
export const HEDGE_METHODS: readonly HedgeMethod[] = [
  "OLS",
  "HUBER",
  "THEIL_SEN",
  "ROLLING_OLS",
  "KALMAN",
];
export const PRICE_TRANSFORMS: readonly PriceTransform[] = ["LOG", "RAW"];
export const WALK_FORWARDS: readonly WalkForward[] = ["NONE", "ROLLING", "EXPANDING"];

export interface DashboardParams {
  view: View;
  /** Venue of every instrument shown; empty: the server's feed venue. */
  venue: string;
  /** Market view instrument; empty: the first instrument with data. */
  symbol: string;
  timeframe: Timeframe;
  /** Pair view legs. */
  base: string;
  quote: string;
  method: HedgeMethod;
  transform: PriceTransform;
  zWindow: number;
  corrWindow: number;
  hedgeWindow: number;
  /** |z| at which a position opens and closes (bands and threshold lines). */
  entry: number;
  exit: number;
  /** Backtest: |z| that closes a position at a loss; null: no stop ("off" in the URL). */
  stop: number | null;
  /** Backtest: money in the base leg at entry. */
  notional: number;
  /** Backtest: fee per leg per fill, basis points. */
  feeBps: number;
  /** Backtest: how the hedge is refitted as the backtest walks forward. */
  walkForward: WalkForward;
  /** Range start and end as ISO-8601 UTC; empty: the most recent data. */
  from: string;
  to: string;
  /** Scanner universe; empty: every instrument with data on the venue. */
  symbols: string[];
}

export const DEFAULT_PARAMS: DashboardParams = {
  view: "market",
  venue: "",
  symbol: "",
  timeframe: "M1",
  base: "",
  quote: "",
  method: "OLS",
  transform: "LOG",
  zWindow: 60,
  corrWindow: 60,
  hedgeWindow: 100,
  entry: 2,
  exit: 0.5,
  stop: 4,
  notional: 10_000,
  feeBps: 4,
  walkForward: "NONE",
  from: "",
  to: "",
  symbols: [],
};

/** Query parameter name of each control. */
const KEYS = {
  venue: "venue",
  symbol: "symbol",
  timeframe: "tf",
  base: "base",
  quote: "quote",
  method: "method",
  transform: "transform",
  zWindow: "z",
  corrWindow: "corr",
  hedgeWindow: "hedge",
  entry: "entry",
  exit: "exit",
  stop: "stop",
  notional: "notional",
  feeBps: "fee",
  walkForward: "wf",
  from: "from",
  to: "to",
  symbols: "symbols",
} as const satisfies Record<Exclude<keyof DashboardParams, "view">, string>;

/** How the URL says "no stop". */
const STOP_OFF = "off";
const SYMBOL = /^[A-Z0-9][A-Z0-9_.-]{0,31}$/;
const VENUE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export function parseParams(pathname: string, search: string): DashboardParams {
  const query = new URLSearchParams(search);
  const text = (key: string) => query.get(key)?.trim() ?? "";
  const symbol = (key: string) => {
    const value = text(key).toUpperCase();
    return SYMBOL.test(value) ? value : "";
  };
  const venue = text(KEYS.venue).toLowerCase();
  const viewName = pathname.replace(/^\/+|\/+$/g, "");
  return {
    view: oneOf(viewName, VIEWS, DEFAULT_PARAMS.view),
    venue: VENUE.test(venue) ? venue : "",
    symbol: symbol(KEYS.symbol),
    timeframe: oneOf(text(KEYS.timeframe).toUpperCase(), TIMEFRAMES, DEFAULT_PARAMS.timeframe),
    base: symbol(KEYS.base),
    quote: symbol(KEYS.quote),
    method: oneOf(text(KEYS.method).toUpperCase(), HEDGE_METHODS, DEFAULT_PARAMS.method),
    transform: oneOf(
      text(KEYS.transform).toUpperCase(),
      PRICE_TRANSFORMS,
      DEFAULT_PARAMS.transform,
    ),
    zWindow: wholeNumber(text(KEYS.zWindow), 2, 100_000, DEFAULT_PARAMS.zWindow),
    corrWindow: wholeNumber(text(KEYS.corrWindow), 2, 100_000, DEFAULT_PARAMS.corrWindow),
    hedgeWindow: wholeNumber(text(KEYS.hedgeWindow), 2, 100_000, DEFAULT_PARAMS.hedgeWindow),
    entry: positiveNumber(text(KEYS.entry), DEFAULT_PARAMS.entry),
    exit: nonNegativeNumber(text(KEYS.exit), DEFAULT_PARAMS.exit),
    stop: text(KEYS.stop).toLowerCase() === STOP_OFF
      ? null
      : positiveNumber(text(KEYS.stop), DEFAULT_PARAMS.stop ?? 4),
    notional: positiveNumber(text(KEYS.notional), DEFAULT_PARAMS.notional),
    feeBps: nonNegativeNumber(text(KEYS.feeBps), DEFAULT_PARAMS.feeBps),
    walkForward: oneOf(
      text(KEYS.walkForward).toUpperCase(),
      WALK_FORWARDS,
      DEFAULT_PARAMS.walkForward,
    ),
    from: isoTime(text(KEYS.from)),
    to: isoTime(text(KEYS.to)),
    symbols: text(KEYS.symbols).split(",").map((s) => s.trim().toUpperCase())
      .filter((s) => SYMBOL.test(s)),
  };
}

/** Path and query of `params`, leaving out every control at its default so links stay short. */
export function formatLocation(params: DashboardParams): string {
  const query = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
    const value = params[field];
    const fallback = DEFAULT_PARAMS[field];
    const text = Array.isArray(value) ? value.join(",") : value === null ? STOP_OFF : String(value);
    const defaultText = Array.isArray(fallback) ? fallback.join(",") : String(fallback);
    if (text !== defaultText) query.set(key, text);
  }
  const search = query.toString();
  return `/${params.view}${search ? `?${search}` : ""}`;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? value as T : fallback;
}

function wholeNumber(text: string, min: number, max: number, fallback: number): number {
  const value = Number(text);
  return text !== "" && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

function positiveNumber(text: string, fallback: number): number {
  const value = Number(text);
  return text !== "" && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegativeNumber(text: string, fallback: number): number {
  const value = Number(text);
  return text !== "" && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** An ISO-8601 time normalised to UTC (`2024-08-08T23:55:00.000Z`), or "" when not a time. */
function isoTime(text: string): string {
  if (text === "") return "";
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "";
}
