-- Bars imported from kline files (years of history without trades). Queries use them for the buckets
-- where no trade-built bar exists. `timeframe` is the file's interval ('1s', '1m', '5m', '1h', ...).
create table if not exists imported_bars (
  venue text not null,
  symbol text not null,
  timeframe text not null,
  bucket timestamptz not null,
  open numeric not null check (open > 0),
  high numeric not null check (high > 0),
  low numeric not null check (low > 0),
  close numeric not null check (close > 0),
  volume numeric not null check (volume >= 0),
  trades bigint,
  primary key (venue, symbol, timeframe, bucket)
);
