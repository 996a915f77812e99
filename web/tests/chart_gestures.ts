/**
 * What a user does to a chart and what they then see, for the browser tests: zoom in with the
 * toolbar, pan by dragging, hover to read a tooltip, and the time range the chart's x axis spans
 * (kept on the chart's element after each draw). Reading the range through tooltips at the plot's
 * edges, as before, gave the nearest point's time, which differs between charts of one group
 * whose series end differently, and failed one run in two.
 */
import assert from "node:assert/strict";
import type { Page } from "./chromium.ts";

const chart = (label: string) => `[data-chart="${label}"]`;

/** The plot area of a chart, scrolled into view, in viewport pixels. */
async function plotBox(page: Page, label: string) {
  const plot = page.locator(`${chart(label)} .apexcharts-grid`).first();
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  assert.ok(box, `chart ${label} has no plot area on screen`);
  return box;
}

/** The x-axis labels as shown. */
export function xAxisLabels(page: Page, label: string): Promise<string[]> {
  return page.locator(`${chart(label)} .apexcharts-xaxis-label`).allTextContents()
    .then((texts) => texts.filter((text) => text.trim() !== ""));
}

/** Waits until the chart's x-axis labels differ from `before` (the chart was redrawn). */
async function waitForNewLabels(page: Page, label: string, before: string[]) {
  await page.waitForFunction(
    ([selector, previous]) =>
      JSON.stringify(
        [...document.querySelectorAll(selector)].map((e) => e.textContent)
          .filter((text) => text && text.trim() !== ""),
      ) !== previous,
    [`${chart(label)} .apexcharts-xaxis-label`, JSON.stringify(before)] as const,
    { timeout: 10_000 },
  );
}

/** Clicks the toolbar's zoom-in button and waits for the axis to change. */
export async function zoomIn(page: Page, label: string) {
  const before = await xAxisLabels(page, label);
  await page.locator(`${chart(label)} .apexcharts-zoomin-icon`).click();
  await waitForNewLabels(page, label, before);
}

/** Chooses the pan tool and drags the plot leftwards by `fraction` of its width (later times). */
export async function panLeft(page: Page, label: string, fraction = 0.3) {
  const before = await xAxisLabels(page, label);
  // The pan button toggles: press it only when the pan tool is not already chosen.
  const panTool = page.locator(`${chart(label)} .apexcharts-pan-icon`);
  if (!(await panTool.getAttribute("class"))?.includes("apexcharts-selected")) {
    await panTool.click();
  }
  const box = await plotBox(page, label);
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.7, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * (0.7 - fraction), y, { steps: 10 });
  await page.mouse.up();
  await waitForNewLabels(page, label, before);
}

/** Puts the pointer at `fraction` of the plot's width and returns the tooltip's text. */
export async function hover(page: Page, label: string, fraction: number): Promise<string> {
  const tooltip = page.locator(`${chart(label)} .apexcharts-tooltip.apexcharts-active`);
  // A chart busy redrawing can miss one pointer move, as it would a hand's: move again a pixel
  // further, as a user would, a few times before calling the tooltip missing.
  for (let attempt = 0;; attempt++) {
    const box = await plotBox(page, label);
    // Leave the plot first so a tooltip shown for an earlier point cannot be read as this one's.
    await page.mouse.move(box.x - 40, box.y - 40);
    await page.mouse.move(box.x + box.width * fraction + attempt, box.y + box.height / 2, {
      steps: 3,
    });
    try {
      await tooltip.waitFor({ timeout: 3_000 });
      return await tooltip.textContent() ?? "";
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
}

/** The first "yyyy-MM-dd HH:mm:ss" time in a tooltip, as ms since the epoch (UTC). */
export function tooltipTime(text: string): number {
  const match = text.match(/(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)/);
  assert.ok(match, `the tooltip shows no time: ${text}`);
  return Date.parse(`${match[1]}T${match[2]}Z`);
}

/**
 * The time range the chart's x axis spans now, ms since the epoch; waits (up to 10 s) for a chart
 * that has no data drawn yet (its axis then spans nothing a date can hold).
 */
export async function shownRange(page: Page, label: string): Promise<[number, number]> {
  const element = page.locator(chart(label)).first();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [from, to] = await Promise.all([
      element.getAttribute("data-shown-from"),
      element.getAttribute("data-shown-to"),
    ]).then((values) => values.map(Number));
    const isTime = (value: number) => Number.isFinite(value) && Math.abs(value) <= 8.64e15;
    if (isTime(from) && isTime(to) && from < to) return [from, to];
    assert.ok(Date.now() < deadline, `chart ${label} shows no time range (${from}..${to})`);
    await page.waitForTimeout(50);
  }
}

/**
 * The chart's range once it equals `expected`, or after `timeoutMs` whatever it is: a chart that
 * follows another's zoom draws a moment after it.
 */
export async function rangeOnceEqual(
  page: Page,
  label: string,
  expected: [number, number],
  timeoutMs = 5_000,
): Promise<[number, number]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const range = await shownRange(page, label);
    if ((range[0] === expected[0] && range[1] === expected[1]) || Date.now() > deadline) {
      return range;
    }
    await page.waitForTimeout(50);
  }
}

/**
 * Zooms in, then pans, asserting what the user sees after each: a narrower range inside the one
 * before, then a range of about that width moved later. Returns the range left on screen.
 */
export async function zoomAndPan(page: Page, label: string): Promise<[number, number]> {
  const whole = await shownRange(page, label);
  await zoomIn(page, label);
  const zoomed = await shownRange(page, label);
  assert.ok(
    zoomed[1] - zoomed[0] < whole[1] - whole[0],
    `${label}: zooming in narrowed the range (${range(whole)} -> ${range(zoomed)})`,
  );
  assert.ok(
    zoomed[0] >= whole[0] && zoomed[1] <= whole[1],
    `${label}: the zoomed range ${range(zoomed)} lies inside ${range(whole)}`,
  );
  await panLeft(page, label);
  const panned = await shownRange(page, label);
  assert.ok(
    panned[0] > zoomed[0],
    `${label}: dragging leftwards shows later times (${range(zoomed)} -> ${range(panned)})`,
  );
  return panned;
}

function range([start, end]: [number, number]): string {
  return `${new Date(start).toISOString()}..${new Date(end).toISOString()}`;
}

/** Returns the chart to its whole range with the toolbar's reset button. */
export async function resetZoom(page: Page, label: string) {
  const before = await xAxisLabels(page, label);
  await page.locator(`${chart(label)} .apexcharts-reset-icon`).click();
  await waitForNewLabels(page, label, before);
}

/** The value a line chart's tooltip shows: the y axis' digits (timeLineOptions). */
export function axisValue(value: number | null | undefined, decimals: number): string {
  assert.ok(value !== null && value !== undefined, "the hovered point has a value");
  return value.toFixed(decimals);
}

/** A chart's label, and the text its tooltip must show for the point at a time. */
export type ChartValues = [label: string, value: (time: number) => string];

/**
 * For each chart of a group in turn: zoom in and pan (`zoomAndPan`), see `follower` show the same
 * range, hover the middle and find the point's value in the tooltip, then reset.
 */
export async function assertEveryChartZoomsPansAndHovers(
  page: Page,
  charts: readonly ChartValues[],
  follower: string,
) {
  for (const [label, value] of charts) {
    const panned = await zoomAndPan(page, label);
    assert.deepEqual(
      await rangeOnceEqual(page, follower, panned),
      panned,
      `${label} moved ${follower} too`,
    );
    const text = await hover(page, label, 0.5);
    const expected = value(tooltipTime(text));
    assert.ok(text.includes(expected), `${label}: the tooltip "${text}" shows ${expected}`);
    await resetZoom(page, label);
  }
}
