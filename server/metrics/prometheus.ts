/**
 * The Prometheus text exposition format (version 0.0.4): metric families with `# HELP` and
 * `# TYPE`, counters named `..._total`, histograms as cumulative `_bucket{le="..."}` lines with
 * `_sum` and `_count`. Values are gathered when scraped; only histograms keep state here.
 */

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  /** Counters and gauges: one sample per label set. Histograms: see `Histogram.family`. */
  samples: Sample[];
  /** Histogram lines already named (`_bucket`, `_sum`, `_count`). */
  lines?: string[];
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  family(): MetricFamily;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function createHistogram(
  name: string,
  help: string,
  buckets: readonly number[],
): Histogram {
  if (!NAME.test(name)) throw new RangeError(`"${name}" is not a Prometheus metric name`);
  const bounds = [...buckets].sort((a, b) => a - b);
  const series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  return {
    observe(labels, value) {
      const key = JSON.stringify(Object.entries(labels).sort());
      let entry = series.get(key);
      if (!entry) {
        entry = { labels, counts: bounds.map(() => 0), sum: 0, count: 0 };
        series.set(key, entry);
      }
      for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]) entry.counts[i]++;
      entry.sum += value;
      entry.count++;
    },
    family() {
      const lines: string[] = [];
      for (const entry of series.values()) {
        bounds.forEach((bound, i) => {
          lines.push(
            `${name}_bucket${labelText({ ...entry.labels, le: formatValue(bound) })} ` +
              `${entry.counts[i]}`,
          );
        });
        lines.push(`${name}_bucket${labelText({ ...entry.labels, le: "+Inf" })} ${entry.count}`);
        lines.push(`${name}_sum${labelText(entry.labels)} ${formatValue(entry.sum)}`);
        lines.push(`${name}_count${labelText(entry.labels)} ${entry.count}`);
      }
      return { name, help, type: "histogram", samples: [], lines };
    },
  };
}

/** The exposition of these families, in order. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) {
      throw new RangeError(`"${family.name}" is not a Prometheus metric name`);
    }
    if (family.type === "counter" && !family.name.endsWith("_total")) {
      throw new RangeError(`counter ${family.name} must end in _total`);
    }
    out.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    out.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      out.push(`${family.name}${labelText(sample.labels ?? {})} ${formatValue(sample.value)}`);
    }
    if (family.lines) out.push(...family.lines);
  }
  return `${out.join("\n")}\n`;
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${
    entries.map(([key, value]) =>
      `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`
    ).join(",")
  }}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
