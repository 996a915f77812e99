/**
 * The URL as the dashboard's state: the controls are read from it and every change is written
 * back, so reload and shared links show the same view. Changing view adds a history entry (Back
 * returns); changing a control replaces it.
 */
import { type Accessor, createSignal, onCleanup } from "solid-js";
import {
  type DashboardParams,
  formatLocation,
  parseParams,
  type View,
} from "./dashboard_params.ts";

export interface DashboardLocation {
  params: Accessor<DashboardParams>;
  /** Changes controls of the current view (replaces the history entry). */
  update(changes: Partial<DashboardParams>): void;
  /** Opens a view with the given controls (adds a history entry). */
  navigate(view: View, changes?: Partial<DashboardParams>): void;
  /** The link of a view with the current controls. */
  href(view: View, changes?: Partial<DashboardParams>): string;
}

export function createDashboardLocation(): DashboardLocation {
  const read = () => parseParams(location.pathname, location.search);
  const [params, setParams] = createSignal(read());
  const onPopState = () => setParams(read());
  addEventListener("popstate", onPopState);
  onCleanup(() => removeEventListener("popstate", onPopState));

  function write(next: DashboardParams, push: boolean) {
    const target = formatLocation(next);
    if (target !== location.pathname + location.search) {
      if (push) history.pushState(null, "", target);
      else history.replaceState(null, "", target);
    }
    setParams(next);
  }

  return {
    params,
    update: (changes) => write({ ...params(), ...changes }, false),
    navigate: (view, changes = {}) => write({ ...params(), ...changes, view }, true),
    href: (view, changes = {}) => formatLocation({ ...params(), ...changes, view }),
  };
}
