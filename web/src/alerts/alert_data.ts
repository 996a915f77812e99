/**
 * The alerts view's data: the rules (reloaded after each change) with their mutations, and the log
 * of firings: the stored ones first (`alertEvents`), then each new one from the `alerts`
 * subscription, newest first, without duplicates when the two overlap.
 */
import type { Client, CombinedError } from "@urql/solid";
import { type Accessor, createSignal, onCleanup } from "solid-js";
import { errorMessages } from "../graphql/error_messages.ts";
import {
  ALERT_EVENTS,
  ALERT_RULES,
  type AlertEventResult,
  type AlertRuleInput,
  type AlertRuleResult,
  CREATE_ALERT_RULE,
  DELETE_ALERT_RULE,
  LIVE_ALERTS,
  PAUSE_ALERT_RULE,
  RESUME_ALERT_RULE,
} from "./alert_documents.ts";

export interface AlertRules {
  rules: Accessor<AlertRuleResult[]>;
  loaded: Accessor<boolean>;
  /** Errors of the last load or change, as the server wrote them. */
  errors: Accessor<string[]>;
  /** Resolves true when the rule was stored. */
  create(input: AlertRuleInput): Promise<boolean>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

export function createAlertRules(client: Client): AlertRules {
  const [rules, setRules] = createSignal<AlertRuleResult[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);

  async function reload() {
    const result = await client.query(ALERT_RULES, {}).toPromise();
    setLoaded(true);
    if (result.error) setErrors(errorMessages(result.error));
    if (result.data) setRules(result.data.alertRules);
  }

  /** Runs a mutation; true when the server accepted it. */
  async function change(run: () => Promise<{ error?: CombinedError }>): Promise<boolean> {
    const result = await run();
    setErrors(errorMessages(result.error));
    if (result.error) return false;
    await reload();
    return true;
  }

  void reload();
  return {
    rules,
    loaded,
    errors,
    create: (input) => change(() => client.mutation(CREATE_ALERT_RULE, { input }).toPromise()),
    pause: async (id) => {
      await change(() => client.mutation(PAUSE_ALERT_RULE, { id }).toPromise());
    },
    resume: async (id) => {
      await change(() => client.mutation(RESUME_ALERT_RULE, { id }).toPromise());
    },
    remove: async (id) => {
      await change(() => client.mutation(DELETE_ALERT_RULE, { id }).toPromise());
    },
  };
}

export interface AlertLog {
  events: Accessor<AlertEventResult[]>;
  errors: Accessor<string[]>;
}

export interface AlertLogOptions {
  /** Firings kept in the log. Default 200. */
  limit?: number;
}

export function createAlertLog(client: Client, options: AlertLogOptions = {}): AlertLog {
  const limit = options.limit ?? 200;
  const [events, setEvents] = createSignal<AlertEventResult[]>([]);
  const [errors, setErrors] = createSignal<string[]>([]);
  const add = (incoming: AlertEventResult[]) =>
    setEvents((current) => {
      const known = new Set(current.map((event) => event.id));
      const fresh = incoming.filter((event) => !known.has(event.id));
      return [...fresh, ...current]
        .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
        .slice(0, limit);
    });

  const subscription = client.subscription(LIVE_ALERTS, {}).subscribe((result) => {
    if (result.error) setErrors(errorMessages(result.error));
    if (result.data) add([result.data.alerts]);
  });
  onCleanup(() => subscription.unsubscribe());
  client.query(ALERT_EVENTS, { limit }).toPromise().then((result) => {
    if (result.error) setErrors(errorMessages(result.error));
    if (result.data) add(result.data.alertEvents);
  });
  return { events, errors };
}
