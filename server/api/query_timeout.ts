/**
 * Query timeout (`QUERY_TIMEOUT_MS`): a query or mutation still running after the limit is answered
 * with a QUERY_TIMEOUT error, and its context's `signal` aborts, so resolvers stop at their next
 * check (`throwIfTimedOut`) instead of loading or computing more. Work that is already inside one
 * database statement ends with that statement (PostgreSQL's `statement_timeout` bounds it too);
 * a synchronous computation in progress finishes its step first. Subscriptions are long-lived by
 * design and are not timed.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

export function queryTimeoutError(timeoutMs: number): GraphQLError {
  return new GraphQLError(
    `The query ran longer than ${timeoutMs} ms, the limit (QUERY_TIMEOUT_MS), and was stopped: ` +
      "narrow from/to, use a wider timeframe or ask for fewer fields",
    { extensions: { code: "QUERY_TIMEOUT", timeoutMs } },
  );
}

/** What the plugin adds to the context of a query or mutation. */
export interface Deadline {
  /** Aborts with the timeout error when the time is up. */
  signal?: AbortSignal;
  /** `performance.now()` after which the query has run out of time. */
  deadline?: number;
  timeoutMs?: number;
}

/**
 * Throws the timeout error when the request's deadline has passed (a no-op without one). It reads
 * the clock as well as the signal: inside a synchronous loop the timer cannot fire.
 */
export function throwIfTimedOut(context: Deadline): void {
  if (context.signal?.aborted) throw context.signal.reason;
  if (context.deadline !== undefined && performance.now() > context.deadline) {
    throw queryTimeoutError(context.timeoutMs ?? 0);
  }
}

export function useQueryTimeout(timeoutMs: number): Plugin<Deadline> {
  return {
    onExecute({ executeFn, setExecuteFn, extendContext }) {
      const controller = new AbortController();
      extendContext({
        signal: controller.signal,
        deadline: performance.now() + timeoutMs,
        timeoutMs,
      });
      setExecuteFn(async (args) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(() => {
            const error = queryTimeoutError(timeoutMs);
            controller.abort(error);
            resolve({ errors: [error] });
          }, timeoutMs);
        });
        try {
          return await Promise.race([executeFn(args), timedOut]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
