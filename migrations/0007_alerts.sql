-- Alert rules and their firings. A rule watches one instrument's price (kind PRICE: venue, symbol)
-- or one pair's z-score (kind ZSCORE: venue, symbol = base, quote, and the analysis settings in
-- `pair`). `armed` and `last_fired_at` are the hysteresis and cooldown state: they are updated in the
-- same statement that stores a firing, so a restart resumes exactly where the rule stood and never
-- fires twice for one transition.
create table if not exists alert_rules (
  id bigint generated always as identity primary key,
  name text not null,
  kind text not null check (kind in ('PRICE', 'ZSCORE')),
  condition text not null check (condition in ('ABOVE', 'BELOW', 'CROSSING', 'OUTSIDE')),
  level double precision not null,
  venue text not null,
  symbol text not null,
  quote text,
  pair jsonb,
  cooldown_ms bigint not null default 0 check (cooldown_ms >= 0),
  webhook_url text,
  paused boolean not null default false,
  armed boolean not null default true,
  last_fired_at timestamptz,
  created_at timestamptz not null default now(),
  check ((kind = 'ZSCORE') = (quote is not null and pair is not null))
);

-- Deleting a rule deletes its firings.
create table if not exists alert_events (
  id bigint generated always as identity primary key,
  rule_id bigint not null references alert_rules (id) on delete cascade,
  time timestamptz not null,
  value double precision not null,
  message text not null
);

create index if not exists alert_events_rule_idx on alert_events (rule_id, id desc);
