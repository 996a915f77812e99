/**
 * Dark and light themes: the user's choice is kept in localStorage; without one, the system's
 * preference. The theme is set as `data-theme` on <html>, where the CSS variables read it.
 */
import { type Accessor, createEffect, createSignal } from "solid-js";

export type ThemeName = "light" | "dark";

const STORAGE_KEY = "pairs-dashboard-theme";

export function createTheme(): { theme: Accessor<ThemeName>; toggle(): void } {
  const stored = localStorage.getItem(STORAGE_KEY);
  const initial: ThemeName = stored === "light" || stored === "dark"
    ? stored
    : matchMedia("(prefers-color-scheme: light)").matches
    ? "light"
    : "dark";
  const [theme, setTheme] = createSignal<ThemeName>(initial);
  createEffect(() => {
    document.documentElement.dataset.theme = theme();
  });
  return {
    theme,
    toggle() {
      const next = theme() === "dark" ? "light" : "dark";
      localStorage.setItem(STORAGE_KEY, next);
      setTheme(next);
    },
  };
}
