-- unless: timescaledb
-- Without TimescaleDB (PGlite, plain PostgreSQL) the bars are tables that the ingest path upserts
-- once per batch from the trades that batch stored. open_time/open_id and close_time/close_id keep the
-- (time, trade_id) of the first and last trade so that late or out-of-order trades merge exactly.
create table if not exists bars_1s (
  venue text not null,
  symbol text not null,
  bucket timestamptz not null,
  open numeric not null,
  high numeric not null,
  low numeric not null,
  close numeric not null,
  volume numeric not null,
  trades bigint not null,
  open_time timestamptz not null,
  open_id bigint not null,
  close_time timestamptz not null,
  close_id bigint not null,
  primary key (venue, symbol, bucket)
);
create table if not exists bars_1m (like bars_1s including all);
create table if not exists bars_5m (like bars_1s including all);
