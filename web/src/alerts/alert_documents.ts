/** The alert operations the dashboard sends, with the shapes of their answers. */
import { gql } from "@urql/solid";
import type { HedgeMethod, Timeframe } from "../state/dashboard_params.ts";

export type AlertCondition = "ABOVE" | "BELOW" | "CROSSING" | "OUTSIDE";
export type AlertKind = "PRICE" | "ZSCORE";

export interface AlertRuleResult {
  id: string;
  name: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  venue: string;
  symbol: string;
  quote: string | null;
  timeframe: Timeframe | null;
  method: HedgeMethod | null;
  zWindow: number | null;
  cooldownSeconds: number;
  webhookUrl: string | null;
  paused: boolean;
  armed: boolean;
  lastFiredAt: string | null;
}

export interface AlertEventResult {
  id: string;
  ruleId: string;
  ruleName: string;
  kind: AlertKind;
  condition: AlertCondition;
  level: number;
  value: number;
  time: string;
  message: string;
}

const RULE_FIELDS = "id name kind condition level venue symbol quote timeframe method zWindow " +
  "cooldownSeconds webhookUrl paused armed lastFiredAt";
const EVENT_FIELDS = "id ruleId ruleName kind condition level value time message";

export const ALERT_RULES = gql<{ alertRules: AlertRuleResult[] }>`
  query AlertRules { alertRules { ${RULE_FIELDS} } }
`;

export const ALERT_EVENTS = gql<{ alertEvents: AlertEventResult[] }, { limit: number }>`
  query AlertEvents($limit: Int) { alertEvents(limit: $limit) { ${EVENT_FIELDS} } }
`;

export const LIVE_ALERTS = gql<{ alerts: AlertEventResult }>`
  subscription LiveAlerts { alerts { ${EVENT_FIELDS} } }
`;

/** The `AlertRuleInput` of a price rule or of a z-score rule (with `pair`). */
export interface AlertRuleInput {
  condition: AlertCondition;
  level: number;
  cooldownSeconds?: number;
  webhookUrl?: string;
  symbol?: string;
  venue?: string;
  pair?: {
    base: string;
    quote: string;
    venue?: string;
    timeframe: Timeframe;
    method: HedgeMethod;
    zWindow: number;
  };
}

export const CREATE_ALERT_RULE = gql<
  { createAlertRule: AlertRuleResult },
  { input: AlertRuleInput }
>`
  mutation CreateAlertRule($input: AlertRuleInput!) {
    createAlertRule(input: $input) { ${RULE_FIELDS} }
  }
`;

export const PAUSE_ALERT_RULE = gql<{ pauseAlertRule: AlertRuleResult }, { id: string }>`
  mutation PauseAlertRule($id: ID!) { pauseAlertRule(id: $id) { ${RULE_FIELDS} } }
`;

export const RESUME_ALERT_RULE = gql<{ resumeAlertRule: AlertRuleResult }, { id: string }>`
  mutation ResumeAlertRule($id: ID!) { resumeAlertRule(id: $id) { ${RULE_FIELDS} } }
`;

export const DELETE_ALERT_RULE = gql<{ deleteAlertRule: boolean }, { id: string }>`
  mutation DeleteAlertRule($id: ID!) { deleteAlertRule(id: $id) }
`;
