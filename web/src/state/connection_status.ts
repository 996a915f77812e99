/**
 * One word for the header that says whether what the dashboard shows is live: it combines the
 * subscription socket's state with the server's `/healthz` report (database, feed, ingest).
 */

/** The graphql-ws socket, as its client events report it. */
export type SocketState = "connecting" | "live" | "reconnecting";

/** The parts of `/healthz` the dashboard reads. */
export interface HealthReport {
  ok: boolean;
  database: { ok: boolean; kind?: string; error?: string };
  feed: {
    venue: string;
    simulated: boolean;
    connected: boolean;
    lastError: string | null;
    instruments: InstrumentFeedHealth[];
  } | null;
  ingest: { queueDepth: number; storedPerSecond: number; retrying?: boolean; lastError?: unknown };
}

export interface InstrumentFeedHealth {
  venue: string;
  symbol: string;
  state: "connecting" | "live" | "reconnecting" | "down" | "stopped";
  lastTradeAgeSeconds: number | null;
}

/** The latest poll of `/healthz`: the report, or why there is none. */
export type HealthPoll =
  | { kind: "pending" }
  | { kind: "report"; report: HealthReport }
  | { kind: "unreachable"; reason: string };

export type StatusTone = "live" | "warning" | "down" | "idle";

export interface ConnectionStatus {
  tone: StatusTone;
  /** A word or two: "live", "simulated", "reconnecting", "feed down", ... */
  label: string;
  /** A sentence for the tooltip: what is wrong and where. */
  detail: string;
}

export function connectionStatus(socket: SocketState, health: HealthPoll): ConnectionStatus {
  if (socket === "reconnecting") {
    return {
      tone: "warning",
      label: "reconnecting",
      detail: "The live connection to the server was lost; retrying.",
    };
  }
  if (health.kind === "unreachable") {
    return { tone: "down", label: "server unreachable", detail: health.reason };
  }
  if (socket === "connecting" || health.kind === "pending") {
    return { tone: "idle", label: "connecting", detail: "Connecting to the server." };
  }
  const report = health.report;
  if (!report.database.ok) {
    return {
      tone: "down",
      label: "database down",
      detail: `The database does not answer: ${report.database.error ?? "no reason given"}`,
    };
  }
  if (report.ingest.retrying) {
    return {
      tone: "warning",
      label: "writes retrying",
      detail: `Trades are queued (${report.ingest.queueDepth}) while database writes are retried.`,
    };
  }
  const feed = report.feed;
  if (feed === null) {
    return {
      tone: "idle",
      label: "no feed",
      detail: "The server runs without a market feed: stored and imported data only.",
    };
  }
  if (!feed.connected) {
    return {
      tone: "down",
      label: "feed down",
      detail: `The ${feed.venue} feed is not connected${
        feed.lastError ? `: ${feed.lastError}` : "."
      }`,
    };
  }
  const stalled = feed.instruments.filter((instrument) => instrument.state !== "live");
  if (stalled.length > 0) {
    return {
      tone: "warning",
      label: feed.simulated ? "simulated, partly down" : "feed partly down",
      detail: `Not live: ${stalled.map((i) => `${i.symbol} (${i.state})`).join(", ")}`,
    };
  }
  if (feed.simulated) {
    return {
      tone: "live",
      label: "live · simulated",
      detail: "Live, but the feed is the simulator (venue sim): the prices are synthetic.",
    };
  }
  return {
    tone: "live",
    label: "live",
    detail: `Live from ${feed.venue}, storing ${
      report.ingest.storedPerSecond.toFixed(1)
    } trades/s.`,
  };
}
