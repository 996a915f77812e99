/**
 * The analysis panel in plain words: is the pair cointegrated, is the spread stationary, how fast
 * does it revert, and what the current z-score would mean for a mean-reversion trade.
 */
import type { PairSummary } from "./pair_analytics.ts";
import { formatDuration, formatNumber, formatPValue } from "../ui/format.ts";

/** The significance level the verdicts use. */
export const SIGNIFICANCE = 0.05;

export interface PairReadingOptions {
  base: string;
  quote: string;
  /** The newest z-score, null while the window is not yet full. */
  currentZ: number | null;
  /** Hedge ratio at the newest point (rolling and Kalman methods move); default the summary's. */
  currentHedgeRatio?: number | null;
  entry: number;
  exit: number;
}

export interface PairReading {
  cointegration: string;
  stationarity: string;
  halfLife: string;
  signal: string;
  /** The tone of the signal: an entry, an exit, or nothing to do. */
  signalKind: "short-spread" | "long-spread" | "exit" | "hold" | "unknown";
}

export function readPair(summary: PairSummary, options: PairReadingOptions): PairReading {
  const cointegrated = summary.cointegration.pValue < SIGNIFICANCE;
  const stationary = summary.adf.pValue < SIGNIFICANCE;
  const beta = options.currentHedgeRatio ?? summary.hedgeRatio;
  const leg = `${formatNumber(Math.abs(beta), 4)} × ${options.quote}`;

  const cointegration = cointegrated
    ? `${options.base} and ${options.quote} are cointegrated at 5% (Engle-Granger ${
      pIs(summary.cointegration.pValue)
    }, ${summary.n} bars).`
    : `${options.base} and ${options.quote} are not cointegrated at 5% (Engle-Granger ${
      pIs(summary.cointegration.pValue)
    }, ${summary.n} bars): a mean-reverting spread is not supported by this range.`;

  const stationarity = `ADF on the spread: statistic ${formatNumber(summary.adf.statistic, 2)}` +
    ` against ${formatNumber(summary.adf.criticalValues.p5, 2)} at 5%, ${
      pIs(summary.adf.pValue)
    }: ${stationary ? "stationary" : "no evidence of stationarity"} at 5%.`;

  const halfLife = summary.halfLifeBars === null
    ? "Half-life: none, the spread shows no reversion toward its mean in this range."
    : `Half-life: ${formatNumber(summary.halfLifeBars, 1)} bars (${
      formatDuration(summary.halfLifeSeconds)
    }): a deviation halves in about that time.`;

  const z = options.currentZ;
  let signal: string;
  let signalKind: PairReading["signalKind"];
  if (z === null || !Number.isFinite(z)) {
    signal = "Current z: not yet available (the z-score window is not full).";
    signalKind = "unknown";
  } else if (z > options.entry) {
    signal = `Current z = ${formatNumber(z, 2)}, above +${options.entry}: the spread is rich. ` +
      `An entry at ${options.entry} would short the spread: sell ${options.base}, buy ${leg}.`;
    signalKind = "short-spread";
  } else if (z < -options.entry) {
    signal = `Current z = ${formatNumber(z, 2)}, below −${options.entry}: the spread is cheap. ` +
      `An entry at ${options.entry} would buy the spread: buy ${options.base}, sell ${leg}.`;
    signalKind = "long-spread";
  } else if (Math.abs(z) <= options.exit) {
    signal = `Current z = ${formatNumber(z, 2)}, within ±${options.exit}: ` +
      `the spread is near its mean; an exit at ${options.exit} would close an open position.`;
    signalKind = "exit";
  } else {
    signal = `Current z = ${formatNumber(z, 2)}, between the exit (±${options.exit}) and entry ` +
      `(±${options.entry}) levels: no new entry; an open position would be held.`;
    signalKind = "hold";
  }
  if (!cointegrated && (signalKind === "short-spread" || signalKind === "long-spread")) {
    signal += " Caution: the pair is not cointegrated at 5%.";
  }
  return { cointegration, stationarity, halfLife, signal, signalKind };
}

/** "p = 0.014", or "p < 0.001" for the smallest. */
function pIs(p: number): string {
  const text = formatPValue(p);
  return text.startsWith("<") ? `p ${text}` : `p = ${text}`;
}
