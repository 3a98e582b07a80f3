import { spreadPercent, type Summary } from './stats';

/** What a measured number means, and which direction is better. */
export type Unit = 'ops/s' | 'req/s' | 'ms' | 'µs' | 'MB';

export function higherIsBetter(unit: Unit): boolean {
  return unit === 'ops/s' || unit === 'req/s';
}

/** 123456 -> "123k", 1234567 -> "1.23M", 0.0421 ms -> "0.042 ms". */
export function formatValue(value: number, unit: Unit): string {
  if (unit === 'ops/s' || unit === 'req/s') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M ${unit}`;
    if (value >= 1e4) return `${Math.round(value / 1e3)}k ${unit}`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k ${unit}`;
    return `${Math.round(value)} ${unit}`;
  }
  return `${significant(value)} ${unit}`;
}

export function formatSummary(summary: Summary, unit: Unit): string {
  return `${formatValue(summary.median, unit)} ±${Math.round(spreadPercent(summary))}%`;
}

export function formatRatio(ratio: number): string {
  return `${significant(ratio)}×`;
}

function significant(value: number): string {
  if (value === 0) return '0';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return value.toFixed(digits);
}
