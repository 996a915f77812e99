/**
 * Debian's Chromium, headless, driven by playwright-core. Without it the browser tests fail with
 * what to install rather than pass without having looked at the dashboard.
 */
// The browser tests run under the repository's deno.json, whose import map only the lead edits;
// an inline specifier also keeps them loadable before web/ has installed its own packages.
// deno-lint-ignore no-import-prefix
import { type BrowserContext, chromium, type Page } from "npm:playwright-core@1.65.1";

export type { Page };

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const ARTIFACTS_DIR = "test-artifacts";

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page PNG to `test-artifacts/<name>.png`. */
  screenshot(name: string): Promise<void>;
  /** Fails when the dashboard threw an uncaught error in the page. */
  assertNoPageErrors(): void;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the dashboard's browser tests need it. ` +
        "Install it with: apt-get install -y chromium",
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "dashboard-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return {
    context,
    page,
    async screenshot(name) {
      await Deno.mkdir(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS_DIR}/${name}.png`, fullPage: true });
    },
    assertNoPageErrors() {
      if (pageErrors.length > 0) {
        throw new Error(`The dashboard threw in the browser: ${pageErrors.join("; ")}`);
      }
    },
    async close() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
