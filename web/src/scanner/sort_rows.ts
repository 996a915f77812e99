/** Sorting of the scanner table by any column, rows without a value always last. */
import type { PairScanRow } from "../pair/pair_analytics.ts";

export type ScanColumn =
  | "pair"
  | "n"
  | "pValue"
  | "statistic"
  | "hedgeRatio"
  | "halfLife"
  | "correlation";

export interface ScanSort {
  column: ScanColumn;
  descending: boolean;
}

export function scanValue(row: PairScanRow, column: ScanColumn): number | string | null {
  switch (column) {
    case "pair":
      return `${row.base}/${row.quote}`;
    case "n":
      return row.n;
    case "pValue":
      return row.cointegration?.pValue ?? null;
    case "statistic":
      return row.cointegration?.statistic ?? null;
    case "hedgeRatio":
      return row.hedgeRatio;
    case "halfLife":
      return row.halfLifeSeconds ?? row.halfLifeBars;
    case "correlation":
      return row.correlation;
  }
}

/** A sorted copy; ties keep the server's order (ranked by p-value). */
export function sortRows(rows: readonly PairScanRow[], sort: ScanSort): PairScanRow[] {
  const direction = sort.descending ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index, value: scanValue(row, sort.column) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        if (a.value === b.value) return a.index - b.index;
        return a.value === null ? 1 : -1;
      }
      const order = typeof a.value === "string"
        ? a.value.localeCompare(String(b.value))
        : a.value - (b.value as number);
      return order === 0 ? a.index - b.index : direction * order;
    })
    .map((entry) => entry.row);
}
