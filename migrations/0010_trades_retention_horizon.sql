-- How far back the raw trades of an instrument were deleted by TRADES_RETENTION on PostgreSQL and
-- PGlite. The bar tables there are folded as trades are stored, so the bars below the horizon
-- already count the deleted trades and are final: a trade older than its instrument's horizon is
-- never stored again (a re-import of a recorded file would otherwise count it twice in its bars).
-- TimescaleDB recomputes its bars from the trades instead and keeps `trades_refresh_floor`.
create table if not exists trades_retention_horizon (
  venue text not null,
  symbol text not null,
  horizon timestamptz not null,
  primary key (venue, symbol)
);
