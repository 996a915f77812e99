/** How numbers, durations and times read on screen. Null and non-finite values read as "–". */

const DASH = "–";

/** A price with about six significant digits, grouped: 60 123.5, 3 012.45, 0.0012345. */
export function formatPrice(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const magnitude = Math.floor(Math.log10(Math.abs(value) || 1));
  const decimals = Math.min(8, Math.max(0, 5 - magnitude));
  return value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** A plain number with `digits` decimals. */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A fraction as a signed percentage: 0.0123 -> "+1.23%". */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  const sign = fraction > 0 ? "+" : fraction < 0 ? "−" : "";
  return `${sign}${Math.abs(fraction * 100).toFixed(digits)}%`;
}

/** A p-value: three decimals, or "< 0.001". */
export function formatPValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value < 0.001 ? "< 0.001" : value.toFixed(3);
}

/** A duration in the largest unit that keeps it readable: 42 s, 3.5 min, 2.1 h, 1.5 d. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  const abs = Math.abs(seconds);
  if (abs < 60) return `${trimmed(seconds, abs < 10 ? 1 : 0)} s`;
  if (abs < 3600) return `${trimmed(seconds / 60, 1)} min`;
  if (abs < 86_400) return `${trimmed(seconds / 3600, 1)} h`;
  return `${trimmed(seconds / 86_400, 1)} d`;
}

/** A UTC time as "2024-08-08 23:55:00 UTC". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function trimmed(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
