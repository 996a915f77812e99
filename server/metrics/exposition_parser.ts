/**
 * A strict reader of the Prometheus text format, for tests: every sample line must belong to a
 * family announced by `# HELP` and `# TYPE`, counters end in `_total`, histogram buckets are
 * cumulative with a `+Inf` bucket equal to `_count`. Throws naming the line that breaks a rule.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  if (!text.endsWith("\n")) throw new SyntaxError("the exposition must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${line})`;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help) {
      if (families.has(help[1])) throw new SyntaxError(`${where}: family announced twice`);
      families.set(help[1], { name: help[1], help: help[2], type: "", samples: [] });
      return;
    }
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      const family = families.get(type[1]);
      if (!family) throw new SyntaxError(`${where}: TYPE before HELP`);
      family.type = type[2];
      if (type[2] === "counter" && !type[1].endsWith("_total")) {
        throw new SyntaxError(`${where}: a counter's name must end in _total`);
      }
      return;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new SyntaxError(`${where}: not a sample`);
    const [, name, , labelText = "", valueText] = sample;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const match = LABEL.exec(labelText);
      if (!match) throw new SyntaxError(`${where}: bad labels`);
      labels[match[1]] = match[2];
    }
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(
      valueText,
    );
    if (Number.isNaN(value) && valueText !== "NaN") {
      throw new SyntaxError(`${where}: value is not a number`);
    }
    const family = families.get(name) ??
      families.get(name.replace(/_(bucket|sum|count)$/, ""));
    if (!family || family.type === "") throw new SyntaxError(`${where}: no HELP/TYPE for ${name}`);
    if (family.type !== "histogram" && name !== family.name) {
      throw new SyntaxError(`${where}: sample of another family`);
    }
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: ParsedFamily): void {
  const series = new Map<string, ParsedSample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (!count || !sum) throw new SyntaxError(`${family.name} ${key}: no _sum or _count`);
    let previous = 0;
    for (const bucket of buckets) {
      if (bucket.labels.le === undefined) {
        throw new SyntaxError(`${family.name}: bucket without le`);
      }
      if (bucket.value < previous) throw new SyntaxError(`${family.name}: buckets not cumulative`);
      previous = bucket.value;
    }
    const infinite = buckets.find((b) => b.labels.le === "+Inf");
    if (!infinite || infinite.value !== count.value) {
      throw new SyntaxError(`${family.name} ${key}: the +Inf bucket must equal _count`);
    }
  }
}

/** The value of a sample, by name and labels (all given labels must match). */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
        return sample.value;
      }
    }
  }
  return undefined;
}
