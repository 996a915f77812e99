-- The last hour of 1-minute BTCUSDT bars from the futures feed.
select bucket, open, high, low, close, volume, trades
from bars_1m
where venue = 'binance-futures' and symbol = 'BTCUSDT' and bucket >= now() - interval '1 hour'
order by bucket;

-- Trades per instrument and the age of the newest one.
select venue, symbol, trade_count, now() - last_trade_time as last_trade_age
from instruments
order by venue, symbol;

-- Missing aggregate-trade ids (gaps) per instrument over the last day.
select venue, symbol, trade_id + 1 as first_missing, next_id - 1 as last_missing
from (
  select venue, symbol, trade_id,
    lead(trade_id) over (partition by venue, symbol order by trade_id) as next_id
  from trades
  where time >= now() - interval '1 day'
) ordered
where next_id > trade_id + 1;

-- A pair grid of 1-minute closes with the previous close carried forward (LOCF), the way the
-- analytics align two instruments (TimescaleDB: time_bucket_gapfill + locf does the same).
with closes as (
  select bucket, symbol, close from bars_1m
  where venue = 'binance-futures' and symbol in ('BTCUSDT', 'ETHUSDT')
    and bucket >= now() - interval '6 hours'
), grid as (select distinct bucket from closes)
select grid.bucket,
  (select close from closes c where c.symbol = 'BTCUSDT' and c.bucket <= grid.bucket
    order by c.bucket desc limit 1) as btc,
  (select close from closes c where c.symbol = 'ETHUSDT' and c.bucket <= grid.bucket
    order by c.bucket desc limit 1) as eth
from grid order by grid.bucket;
