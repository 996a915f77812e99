/**
 * CSV download links for what the dashboard shows: the market view's bars and trades, the pair
 * view's points, each with the URL's instrument, timeframe and range (server: `/export/*.csv`).
 */
import type { DashboardParams } from "../state/dashboard_params.ts";

export interface ExportLink {
  title: string;
  href: string;
}

/** `symbol` and `venue`: the instrument shown when the URL names none (the first with data). */
export function exportLinks(
  params: DashboardParams,
  shown: { symbol: string; venue: string },
): ExportLink[] {
  const symbol = params.symbol || shown.symbol;
  const venue = params.venue || shown.venue;
  const range = { from: params.from, to: params.to };
  const links: ExportLink[] = [];
  if (symbol) {
    links.push({
      title: `Bars of ${symbol} (${params.timeframe})`,
      href: exportUrl("bars", { symbol, venue, timeframe: params.timeframe, ...range }),
    });
    links.push({
      title: `Trades of ${symbol}`,
      href: exportUrl("trades", { symbol, venue, ...range }),
    });
  }
  if (params.base && params.quote) {
    links.push({
      title:
        `Pair points of ${params.base} / ${params.quote} (${params.timeframe}, ${params.method})`,
      href: exportUrl("pair", {
        base: params.base,
        quote: params.quote,
        venue,
        timeframe: params.timeframe,
        ...range,
        priceTransform: params.transform,
        method: params.method,
        zWindow: String(params.zWindow),
        corrWindow: String(params.corrWindow),
        hedgeWindow: String(params.hedgeWindow),
      }),
    });
  }
  return links;
}

/** Empty values are left out: the server's defaults apply. */
function exportUrl(name: string, fields: Record<string, string>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value) query.set(key, value);
  return `/export/${name}.csv?${query}`;
}
