-- Raw trades, one row per exchange trade (or aggregate trade), exactly once per (venue, symbol, trade_id).
create table if not exists trades (
  venue text not null,
  symbol text not null,
  trade_id bigint not null,
  -- Exchange trade time (Binance `T`); a trade belongs to the bar bucket of this time.
  time timestamptz not null,
  price numeric not null check (price > 0),
  qty numeric not null check (qty > 0),
  buyer_maker boolean,
  -- When the product received the trade (for files: the recorded event or trade time).
  received_at timestamptz not null,
  primary key (venue, symbol, trade_id)
);

create index if not exists trades_instrument_time_idx on trades (venue, symbol, time);

-- One row per instrument, maintained by the ingest path so that listing instruments never scans trades.
create table if not exists instruments (
  venue text not null,
  symbol text not null,
  first_trade_time timestamptz,
  last_trade_time timestamptz,
  trade_count bigint not null default 0,
  primary key (venue, symbol)
);
