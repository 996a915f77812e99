/**
 * What a Binance public-data file name tells: `BTCUSDT-trades-2024-03-01.csv`,
 * `BTCUSDT-aggTrades-2024-03.zip`, `BTCUSDT-1m-2024-03-01.csv` (klines). Binance dumps hold no symbol
 * inside, so the name is often the only place it is written. Symbols are upper case in these names;
 * requiring that keeps a lower-case prefix such as `origo_BTCUSDT-trades-...` out of the symbol.
 */

export interface FileNameHints {
  symbol: string | null;
  dataset: "trades" | "aggTrades" | "klines" | null;
  /** Kline interval as Binance writes it: `1s`, `1m`, `5m`, `1h`, `1d`, `1w`, `1mo`. */
  interval: string | null;
}

const BINANCE_FILE_NAME =
  /(?:^|[^A-Za-z0-9])([A-Z0-9]{2,}(?:_[A-Z0-9]+)?)-(trades|aggTrades|\d+(?:mo|[smhdw]))(?=[-_.]|$)/;

export function hintsFromFileName(path: string): FileNameHints {
  const name = path.split(/[\\/]/).pop() ?? "";
  const match = BINANCE_FILE_NAME.exec(name);
  if (match === null) return { symbol: null, dataset: null, interval: null };
  const [, symbol, kind] = match;
  if (kind === "trades" || kind === "aggTrades") return { symbol, dataset: kind, interval: null };
  return { symbol, dataset: "klines", interval: kind };
}
