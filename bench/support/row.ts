import { higherIsBetter, type Unit } from './format';
import { median, summarize, type Summary } from './stats';

/** One line of the result table. */
export interface Row {
  section: string;
  measurement: string;
  unit: Unit;
  ours: Summary;
  /** What the ideagraph-cache cell says instead of the figure, where a wait ended before anything could be measured. */
  oursText?: string;
  baselineName?: string;
  baseline?: Summary;
  /** How many times faster ours is than the baseline, per round (above 1 = faster). */
  speed?: Summary;
  target?: { text: string; met: boolean };
  note?: string;
  /** Why the numbers cannot be trusted (wrong answers, failed requests); the verdict says so. */
  problem?: string;
  /** CPU microseconds per operation in this process (median of rounds), where measured. */
  cpuUs?: { ours: number; baseline?: number };
}

export interface RowSpec {
  section: string;
  measurement: string;
  unit: Unit;
  ours: number[];
  oursText?: string;
  baselineName?: string;
  baseline?: number[];
  /** Minimum speed relative to the baseline (median of the per-round ratios). */
  minSpeed?: number;
  /** How the target reads in the table, when "≥ N×" would not say it best. */
  targetText?: string;
  /** Minimum (throughput) or maximum (time, memory) absolute value for ours. */
  absolute?: { limit: number; text: string };
  note?: string;
  problem?: string;
  cpuUs?: { ours: number[]; baseline?: number[] };
}

/** Pairs rounds one to one: round i of ours against round i of the baseline, measured back to back. */
export function makeRow(spec: RowSpec): Row {
  const ours = summarize(spec.ours);
  const row: Row = {
    section: spec.section,
    measurement: spec.measurement,
    unit: spec.unit,
    ours,
    oursText: spec.oursText,
    note: spec.note,
    problem: spec.problem,
  };
  if (spec.cpuUs) {
    row.cpuUs = { ours: median(spec.cpuUs.ours), baseline: spec.cpuUs.baseline && median(spec.cpuUs.baseline) };
  }
  if (spec.baseline) {
    row.baselineName = spec.baselineName;
    row.baseline = summarize(spec.baseline);
    const better = higherIsBetter(spec.unit);
    row.speed = summarize(
      spec.ours.map((value, i) => (better ? value / spec.baseline![i] : spec.baseline![i] / value)),
    );
  }
  if (spec.minSpeed !== undefined && row.speed) {
    row.target = { text: spec.targetText ?? `≥ ${spec.minSpeed}×`, met: row.speed.median >= spec.minSpeed };
  } else if (spec.absolute) {
    const { limit, text } = spec.absolute;
    row.target = { text, met: higherIsBetter(spec.unit) ? ours.median >= limit : ours.median <= limit };
  }
  return row;
}

/** Converts milliseconds per operation into operations per second. */
export function perSecond(msPerOp: number[]): number[] {
  return msPerOp.map((ms) => 1000 / ms);
}
