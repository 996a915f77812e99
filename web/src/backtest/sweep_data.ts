/**
 * A sweep of entry x exit thresholds for the backtest's other parameters, run on request (a grid
 * is many backtests) and dropped when those parameters change.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createEffect, createSignal, on } from "solid-js";
import { errorMessages } from "../graphql/error_messages.ts";
import { BACKTEST_SWEEP, type BacktestInput } from "./backtest_documents.ts";
import type { BacktestSweepCell } from "./backtest_result.ts";

/** A backtest's parameters without the thresholds the sweep varies. */
export type SweepBase = Omit<BacktestInput, "entry" | "exit">;

export interface BacktestSweep {
  cells: Accessor<BacktestSweepCell[] | null>;
  running: Accessor<boolean>;
  errors: Accessor<string[]>;
  run(entries: readonly number[], exits: readonly number[]): void;
}

export function createBacktestSweep(
  client: Client,
  base: Accessor<SweepBase | null>,
): BacktestSweep {
  const [cells, setCells] = createSignal<BacktestSweepCell[] | null>(null);
  const [running, setRunning] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  /** Counts runs and parameter changes so that a late answer for older parameters is ignored. */
  let generation = 0;

  createEffect(on(base, () => {
    generation++;
    setCells(null);
    setErrors([]);
    setRunning(false);
  }, { defer: true }));

  function run(entries: readonly number[], exits: readonly number[]) {
    const chosen = base();
    if (!chosen) return;
    const current = ++generation;
    setRunning(true);
    setErrors([]);
    // Entries at or past the stop cannot trade (the API needs entry < stop).
    const usable = entries.filter((entry) => chosen.stop === null || entry < chosen.stop);
    client.query(
      BACKTEST_SWEEP,
      { input: { ...chosen, entries: usable, exits } },
      { requestPolicy: "network-only" },
    ).toPromise().then((answer) => {
      if (current !== generation) return;
      setRunning(false);
      setErrors(errorMessages(answer.error));
      setCells(answer.data?.backtestSweep ?? null);
    });
  }

  return { cells, running, errors, run };
}
