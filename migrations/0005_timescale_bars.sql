-- requires: timescaledb
-- Bars are continuous aggregates: bars_1s from trades, bars_1m from bars_1s, bars_5m from bars_1m.
-- Buckets of time_bucket (origin 2000-01-03 UTC) coincide with date_bin(..., 'epoch') for these widths.
-- open/close: the price of the first/last trade in (time, trade_id) order. Trades often share a time,
-- so first(price, time) picks whichever of them the plan reads first; an ordered array_agg is exact.
-- (first(price, (time, trade_id)) is accepted but fails in parallel plans: "input of anonymous
-- composite types is not implemented".) One level up, buckets are unique per instrument, so
-- first/last by bucket are exact.
-- materialized_only = false: reads add the not yet materialized buckets (real-time aggregation).
create materialized view bars_1s
with (timescaledb.continuous, timescaledb.materialized_only = false,
      timescaledb.create_group_indexes = false) as
select venue, symbol, time_bucket(interval '1 second', time) as bucket,
  (array_agg(price order by time, trade_id))[1] as open,
  max(price) as high,
  min(price) as low,
  (array_agg(price order by time desc, trade_id desc))[1] as close,
  sum(qty) as volume,
  count(*) as trades
from trades
group by venue, symbol, time_bucket(interval '1 second', time)
with no data;

create materialized view bars_1m
with (timescaledb.continuous, timescaledb.materialized_only = false,
      timescaledb.create_group_indexes = false) as
select venue, symbol, time_bucket(interval '1 minute', bucket) as bucket,
  first(open, bucket) as open,
  max(high) as high,
  min(low) as low,
  last(close, bucket) as close,
  sum(volume) as volume,
  sum(trades)::bigint as trades
from bars_1s
group by venue, symbol, time_bucket(interval '1 minute', bucket)
with no data;

create materialized view bars_5m
with (timescaledb.continuous, timescaledb.materialized_only = false,
      timescaledb.create_group_indexes = false) as
select venue, symbol, time_bucket(interval '5 minutes', bucket) as bucket,
  first(open, bucket) as open,
  max(high) as high,
  min(low) as low,
  last(close, bucket) as close,
  sum(volume) as volume,
  sum(trades)::bigint as trades
from bars_1m
group by venue, symbol, time_bucket(interval '5 minutes', bucket)
with no data;

-- Bars are read per instrument over a bucket range (newest first for "last N bars").
create index bars_1s_instrument_bucket_idx on bars_1s (venue, symbol, bucket);
create index bars_1m_instrument_bucket_idx on bars_1m (venue, symbol, bucket);
create index bars_5m_instrument_bucket_idx on bars_5m (venue, symbol, bucket);

-- Policies materialize closed buckets; real-time aggregation covers the rest. A parent's refresh
-- reads its child's real-time view, so it does not wait for the child's policy. A trade that arrives
-- after its bucket was materialized shows once the policies have run bottom-up (the child's refresh
-- invalidates the parent). start_offset bounds how late a trade may arrive and still be folded in
-- by a policy; older backfills need an explicit refresh of their range, bars_1s first.
-- Retention on trades must keep raw rows well beyond the 1 hour of the bars_1s policy: dropping
-- chunks logs an invalidation, and a refresh over a dropped range deletes its bars.
select add_continuous_aggregate_policy('bars_1s',
  start_offset => interval '1 hour', end_offset => interval '1 second',
  schedule_interval => interval '5 seconds');
select add_continuous_aggregate_policy('bars_1m',
  start_offset => interval '6 hours', end_offset => interval '1 minute',
  schedule_interval => interval '1 minute');
select add_continuous_aggregate_policy('bars_5m',
  start_offset => interval '1 day', end_offset => interval '5 minutes',
  schedule_interval => interval '5 minutes');
