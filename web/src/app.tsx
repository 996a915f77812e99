/**
 * The dashboard shell: navigation between views, the connection indicator, the theme switch, and
 * the view the URL names. Views are loaded on first use so the first page stays small.
 */
import { createMemo, lazy, onCleanup } from "solid-js";
import { Dynamic } from "solid-js/web";
import { createGraphqlConnection } from "./graphql/connection.ts";
import { connectionStatus } from "./state/connection_status.ts";
import { createDashboardLocation } from "./state/dashboard_location.ts";
import type { View } from "./state/dashboard_params.ts";
import { createHealthPoll } from "./state/health_poll.ts";
import { createTheme } from "./state/theme.ts";
import { createInstruments } from "./market/market_data.ts";
import { StatusPill } from "./ui/status_pill.tsx";
import { AlertToasts } from "./alerts/alert_toasts.tsx";

const VIEW_PAGES = {
  market: { title: "Market", page: lazy(() => import("./market/market_view.tsx")) },
  pair: { title: "Pair", page: lazy(() => import("./pair/pair_view.tsx")) },
  scanner: { title: "Scanner", page: lazy(() => import("./scanner/scanner_view.tsx")) },
  alerts: { title: "Alerts", page: lazy(() => import("./alerts/alerts_view.tsx")) },
  data: { title: "Data", page: lazy(() => import("./uploads/data_view.tsx")) },
  backtest: { title: "Backtest", page: lazy(() => import("./backtest/backtest_view.tsx")) },
} satisfies Record<View, unknown>;

export function App() {
  const connection = createGraphqlConnection();
  onCleanup(() => connection.dispose());
  const location = createDashboardLocation();
  const health = createHealthPoll({ intervalMs: 3000 });
  const theme = createTheme();
  const instruments = createInstruments(connection.client);
  const status = createMemo(() => connectionStatus(connection.socketState(), health()));
  const view = () => location.params().view;

  return (
    <div class="app">
      <header class="top-bar">
        <h1>Pairs analytics</h1>
        <nav class="views" aria-label="Views">
          {(Object.keys(VIEW_PAGES) as View[]).map((name) => (
            <a
              href={location.href(name)}
              classList={{ active: view() === name }}
              aria-current={view() === name ? "page" : undefined}
              onClick={(event) => {
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                location.navigate(name);
              }}
            >
              {VIEW_PAGES[name].title}
            </a>
          ))}
        </nav>
        <div class="top-right">
          <StatusPill status={status()} />
          <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            title="Switch between dark and light"
            onClick={() => theme.toggle()}
          >
            {theme.theme() === "dark" ? "☀ light" : "☾ dark"}
          </button>
        </div>
      </header>
      <main>
        <Dynamic
          component={VIEW_PAGES[view()].page}
          client={connection.client}
          location={location}
          instruments={instruments}
          health={health}
          theme={theme.theme()}
          reconnections={connection.reconnections}
        />
      </main>
      <AlertToasts client={connection.client} />
    </div>
  );
}
