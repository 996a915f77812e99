/** A parameter sweep laid out as a heat map: entries as rows, exits as columns, net PnL as colour. */
import type { BacktestSweepCell } from "./backtest_result.ts";

/** The |z| thresholds a sweep tries by default. */
export const SWEEP_ENTRIES = [1, 1.5, 2, 2.5, 3] as const;
export const SWEEP_EXITS = [0, 0.25, 0.5, 0.75, 1] as const;

export interface SweepGrid {
  entries: number[];
  exits: number[];
  /** cells[row][column]: entries[row] x exits[column]; null where exit >= entry (not run). */
  cells: (BacktestSweepCell | null)[][];
  /** Largest |netPnl| of the grid: the colour scale's end. */
  maxAbsPnl: number;
}

export function sweepGrid(cells: readonly BacktestSweepCell[]): SweepGrid {
  const entries = [...new Set(cells.map((cell) => cell.entry))].sort((a, b) => a - b);
  const exits = [...new Set(cells.map((cell) => cell.exit))].sort((a, b) => a - b);
  const byKey = new Map(cells.map((cell) => [`${cell.entry}|${cell.exit}`, cell]));
  return {
    entries,
    exits,
    cells: entries.map((entry) => exits.map((exit) => byKey.get(`${entry}|${exit}`) ?? null)),
    maxAbsPnl: Math.max(0, ...cells.map((cell) => Math.abs(cell.netPnl))),
  };
}

/**
 * The cell's colour: green for a profit, red for a loss, more opaque the larger |netPnl| is
 * against the grid's largest (opacity 0.12 to 0.85), so the best and worst stand out.
 */
export function pnlColour(netPnl: number, maxAbsPnl: number): string {
  const strength = maxAbsPnl > 0 ? Math.abs(netPnl) / maxAbsPnl : 0;
  const alpha = (0.12 + 0.73 * strength).toFixed(2);
  return netPnl >= 0 ? `rgba(22, 163, 74, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
}
