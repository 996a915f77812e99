-- requires: timescaledb
-- Raw trades compress well per instrument: one segment per (venue, symbol), rows in (time, trade_id)
-- order inside it, which is also the order every read of trades asks for. The primary key's columns
-- are all segment or order columns, so replays into compressed chunks are still refused exactly.
-- Which chunks get compressed, and when raw trades are dropped, is configuration
-- (TRADES_COMPRESS_AFTER, TRADES_RETENTION): the server sets those policies at every start.
alter table trades set (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'venue, symbol',
  timescaledb.compress_orderby = 'time, trade_id'
);

-- Below this time raw trades may have been dropped by the retention policy, so the bars there are
-- final: no refresh may reach below it (a refresh over dropped trades would delete their bars). It
-- only moves forward, and stays when retention is later turned off.
create table if not exists trades_refresh_floor (
  only_row boolean primary key default true check (only_row),
  floor timestamptz not null
);
