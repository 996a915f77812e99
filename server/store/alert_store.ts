/**
 * Alert rules and firings in the database (tables of migrations/0007_alerts.sql). Recording a firing
 * stores the event and the rule's new state (`armed`, `last_fired_at`) in one statement, so the two
 * never disagree after a crash or restart; recording the same firing again (a retry after a lost
 * answer) returns the stored event instead of adding a second.
 */
import type postgres from "postgres";
import type { Timeframe } from "../domain.ts";
import type { HedgeMethod, PriceTransform } from "../analytics/pair_analytics.ts";
import type { AlertCondition } from "../alerts/alert_evaluator.ts";

export type AlertKind = "PRICE" | "ZSCORE";

/** How a ZSCORE rule computes its pair's z-score (the settings of `PairInput`). */
export interface ZScoreSettings {
  timeframe: Timeframe;
  method: HedgeMethod;
  priceTransform: PriceTransform;
  zWindow: number;
  corrWindow: number;
  hedgeWindow: number;
  kalmanDelta: number;
  kalmanR: number;
  /** OLS / HUBER / THEIL_SEN: closed points the hedge is fitted on. */
  lookback: number;
}

export interface NewAlertRule {
  name: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  venue: string;
  /** PRICE: the instrument; ZSCORE: the pair's base (y). */
  symbol: string;
  /** ZSCORE: the pair's quote (x); null for PRICE. */
  quote: string | null;
  /** ZSCORE settings; null for PRICE. */
  pair: ZScoreSettings | null;
  cooldownMs: number;
  webhookUrl: string | null;
}

export interface AlertRule extends NewAlertRule {
  id: string;
  paused: boolean;
  armed: boolean;
  lastFiredAtUs: number | null;
  createdAtUs: number;
}

export interface AlertEvent {
  id: string;
  ruleId: string;
  ruleName: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  /** Observation time: the trade's time (PRICE) or the closed bucket's start (ZSCORE). */
  timeUs: number;
  value: number;
  message: string;
}

export interface AlertFiring {
  timeUs: number;
  value: number;
  message: string;
}

export interface AlertStore {
  createRule(rule: NewAlertRule): Promise<AlertRule>;
  /** Every rule, oldest first. */
  rules(): Promise<AlertRule[]>;
  rule(id: string): Promise<AlertRule | null>;
  /** Null when no rule has this id. */
  setPaused(id: string, paused: boolean): Promise<AlertRule | null>;
  /** Stores a hysteresis change that is not a firing (re-armed, or disarmed inside a cooldown). */
  setArmed(id: string, armed: boolean): Promise<void>;
  /** False when no rule had this id. Its firings go with it. */
  deleteRule(id: string): Promise<boolean>;
  /**
   * Stores a firing and disarms the rule with `last_fired_at` = the firing's time, in one statement.
   * Null when the rule no longer exists (deleted while the firing was on its way).
   */
  recordFiring(ruleId: string, firing: AlertFiring): Promise<AlertEvent | null>;
  /** Newest first. */
  events(query?: { ruleId?: string; limit?: number }): Promise<AlertEvent[]>;
}

interface RuleRow {
  id: string;
  name: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  venue: string;
  symbol: string;
  quote: string | null;
  pair: string | null;
  cooldown_ms: string;
  webhook_url: string | null;
  paused: boolean;
  armed: boolean;
  last_fired_us: string | null;
  created_us: string;
}

interface EventRow {
  id: string;
  rule_id: string;
  rule_name: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  time_us: string;
  value: number;
  message: string;
}

function ruleFromRow(row: RuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    condition: row.condition,
    level: row.level,
    venue: row.venue,
    symbol: row.symbol,
    quote: row.quote,
    pair: row.pair === null ? null : JSON.parse(row.pair),
    cooldownMs: Number(row.cooldown_ms),
    webhookUrl: row.webhook_url,
    paused: row.paused,
    armed: row.armed,
    lastFiredAtUs: row.last_fired_us === null ? null : Number(row.last_fired_us),
    createdAtUs: Number(row.created_us),
  };
}

function eventFromRow(row: EventRow): AlertEvent {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    kind: row.kind,
    condition: row.condition,
    level: row.level,
    timeUs: Number(row.time_us),
    value: row.value,
    message: row.message,
  };
}

/** Ids are bigint: anything else cannot name a rule. */
function isRuleId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

export function createAlertStore(sql: postgres.Sql): AlertStore {
  const ruleColumns = sql`
    id::text as id, name, kind, condition, level, venue, symbol, quote, pair::text as pair,
    cooldown_ms::text as cooldown_ms, webhook_url, paused, armed,
    (extract(epoch from last_fired_at) * 1e6)::bigint::text as last_fired_us,
    (extract(epoch from created_at) * 1e6)::bigint::text as created_us`;

  async function rule(id: string): Promise<AlertRule | null> {
    if (!isRuleId(id)) return null;
    const [row] = await sql<RuleRow[]>`select ${ruleColumns} from alert_rules where id = ${id}`;
    return row ? ruleFromRow(row) : null;
  }

  return {
    async createRule(rule) {
      const [row] = await sql<RuleRow[]>`
        insert into alert_rules
          (name, kind, condition, level, venue, symbol, quote, pair, cooldown_ms, webhook_url)
        values (${rule.name}, ${rule.kind}, ${rule.condition}, ${rule.level}, ${rule.venue},
          ${rule.symbol}, ${rule.quote},
          ${rule.pair === null ? null : sql.json(rule.pair as unknown as postgres.JSONValue)},
          ${rule.cooldownMs}, ${rule.webhookUrl})
        returning ${ruleColumns}`;
      return ruleFromRow(row);
    },
    async rules() {
      const rows = await sql<RuleRow[]>`select ${ruleColumns} from alert_rules order by id`;
      return rows.map(ruleFromRow);
    },
    rule,
    async setPaused(id, paused) {
      if (!isRuleId(id)) return null;
      const [row] = await sql<RuleRow[]>`
        update alert_rules set paused = ${paused} where id = ${id} returning ${ruleColumns}`;
      return row ? ruleFromRow(row) : null;
    },
    async setArmed(id, armed) {
      if (!isRuleId(id)) return;
      await sql`update alert_rules set armed = ${armed} where id = ${id}`;
    },
    async deleteRule(id) {
      if (!isRuleId(id)) return false;
      const rows = await sql`delete from alert_rules where id = ${id} returning id`;
      return rows.length > 0;
    },
    async recordFiring(ruleId, firing) {
      if (!isRuleId(ruleId)) return null;
      const [row] = await sql<EventRow[]>`
        with fired as (
          update alert_rules set armed = false,
            last_fired_at = timestamptz 'epoch' + ${firing.timeUs}::bigint * interval '1 microsecond'
          where id = ${ruleId}
          returning id, name, kind, condition, level, last_fired_at
        ), earlier as (
          -- The same firing stored by an attempt whose answer was lost: returned, not doubled.
          select e.id, e.rule_id, e.time, e.value, e.message from alert_events e, fired
          where e.rule_id = fired.id and e.time = fired.last_fired_at
            and e.message = ${firing.message}
          limit 1
        ), inserted as (
          insert into alert_events (rule_id, time, value, message)
          select id, last_fired_at, ${firing.value}, ${firing.message} from fired
          where not exists (select 1 from earlier)
          returning id, rule_id, time, value, message
        ), event as (
          select * from inserted union all select * from earlier
        )
        select event.id::text as id, event.rule_id::text as rule_id, fired.name as rule_name,
          fired.kind, fired.condition, fired.level,
          (extract(epoch from event.time) * 1e6)::bigint::text as time_us,
          event.value, event.message
        from event join fired on fired.id = event.rule_id`;
      return row ? eventFromRow(row) : null;
    },
    async events(query = {}) {
      const limit = query.limit ?? 100;
      if (query.ruleId !== undefined && !isRuleId(query.ruleId)) return [];
      const rows = await sql<EventRow[]>`
        select e.id::text as id, e.rule_id::text as rule_id, r.name as rule_name, r.kind,
          r.condition, r.level, (extract(epoch from e.time) * 1e6)::bigint::text as time_us,
          e.value, e.message
        from alert_events e join alert_rules r on r.id = e.rule_id
        ${query.ruleId === undefined ? sql`` : sql`where e.rule_id = ${query.ruleId}`}
        order by e.id desc
        limit ${limit}`;
      return rows.map(eventFromRow);
    },
  };
}
