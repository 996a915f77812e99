-- requires: timescaledb
-- On TimescaleDB, trades is a hypertable partitioned by day on the trade time.
create extension if not exists timescaledb;

-- A hypertable's unique keys must contain its partitioning column, so the key becomes
-- (venue, symbol, time, trade_id). A replayed trade carries the same exchange time as the stored one
-- (Binance never changes a trade's time), so `insert ... on conflict do nothing` still drops replays.
-- The key also serves range reads of one instrument in (time, trade_id) order, which makes the
-- separate (venue, symbol, time) index redundant.
alter table trades drop constraint trades_pkey;
alter table trades add primary key (venue, symbol, time, trade_id);
drop index if exists trades_instrument_time_idx;

select create_hypertable('trades', by_range('time', interval '1 day'), migrate_data => true);
