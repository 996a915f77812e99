/** What every view receives from the shell. */
import type { Client } from "@urql/solid";
import type { Accessor } from "solid-js";
import type { DashboardLocation } from "./state/dashboard_location.ts";
import type { HealthPoll } from "./state/connection_status.ts";
import type { ThemeName } from "./state/theme.ts";
import type { Instruments } from "./market/market_data.ts";

export interface ViewProps {
  client: Client;
  location: DashboardLocation;
  instruments: Instruments;
  health: Accessor<HealthPoll>;
  theme: ThemeName;
  /** Changes when the live connection is re-established: reload what may have been missed. */
  reconnections: Accessor<number>;
}
