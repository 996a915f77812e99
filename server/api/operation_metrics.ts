/**
 * Latency of GraphQL operations for `/metrics`: from the start of execution to the result
 * (queries, mutations) or to the live stream being set up (subscriptions), by operation type, on
 * HTTP and graphql-ws alike. Parsing and validation are cached and cheap; they are not included.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { createHistogram, type Histogram } from "../metrics/prometheus.ts";

/** Seconds: 1 ms to 30 s (the default query timeout). */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createOperationLatency(): { histogram: Histogram; plugin: Plugin } {
  const histogram = createHistogram(
    "pairs_graphql_operation_duration_seconds",
    "Time to execute a GraphQL operation (subscriptions: to set up the stream), by type.",
    BUCKETS,
  );
  const typeOf = (args: Parameters<typeof getOperationAST>[0], name?: string | null) =>
    getOperationAST(args, name)?.operation ?? "unknown";
  const plugin: Plugin = {
    onExecute({ args }) {
      const started = performance.now();
      const operation = typeOf(args.document, args.operationName);
      return {
        onExecuteDone() {
          histogram.observe({ operation }, (performance.now() - started) / 1000);
        },
      };
    },
    onSubscribe() {
      const started = performance.now();
      return {
        onSubscribeResult() {
          histogram.observe({ operation: "subscription" }, (performance.now() - started) / 1000);
        },
      };
    },
  };
  return { histogram, plugin };
}
