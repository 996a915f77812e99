-- Trade ids the feed knows are missing and could not recover (older than the exchange's REST
-- history, or refused): kept so that a gap stays visible after a restart and can be queried
-- (`dataGaps`), never papered over. One row per gap start; a later detection of the same start with
-- a wider end (e.g. after a restart while REST's window moved on) widens the row.
create table if not exists data_gaps (
  venue text not null,
  symbol text not null,
  from_trade_id bigint not null,
  to_trade_id bigint not null,
  -- Time of the last trade before the gap and of the first trade after it, where known.
  from_time timestamptz,
  to_time timestamptz,
  reason text not null,
  detected_at timestamptz not null,
  primary key (venue, symbol, from_trade_id),
  check (to_trade_id >= from_trade_id)
);

create index if not exists data_gaps_detected_idx on data_gaps (detected_at);
