-- requires: timescaledb
-- no-transaction
-- Materializes bars for trades stored before the aggregates existed, children before parents (a
-- changed bucket below a child's watermark reaches the parent only after the child re-materialized
-- it). One pass each (buckets_per_batch 0): the default of 10 buckets per transaction made this
-- several times slower. Only buckets whose trades changed since the last refresh are recomputed, so
-- re-running it on an unchanged database does nothing.
call refresh_continuous_aggregate('bars_1s', null, null, options => '{"buckets_per_batch": 0}');
call refresh_continuous_aggregate('bars_1m', null, null, options => '{"buckets_per_batch": 0}');
call refresh_continuous_aggregate('bars_5m', null, null, options => '{"buckets_per_batch": 0}');
