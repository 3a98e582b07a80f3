import type { PerRound } from './rounds';
import { makeRow, perSecond, type Row } from './row';

/** One row comparing two contenders measured in the same rounds. */
export interface Pairing {
  section: string;
  measured: PerRound;
  /** Contender names, as measured. */
  ours: string;
  baseline: string;
  measurement: string;
  baselineName: string;
  /** ops/s (the default) from the time per operation, or the time per call itself. */
  unit?: 'ops/s' | 'ms';
  minSpeed?: number;
  targetText?: string;
  note?: string;
  problem?: string;
}

export function pairRow(pairing: Pairing): Row {
  const { measured, ours, baseline } = pairing;
  const values =
    pairing.unit === 'ms' ? (name: string) => measured.ms(name) : (name: string) => perSecond(measured.ms(name));
  return makeRow({
    section: pairing.section,
    measurement: pairing.measurement,
    unit: pairing.unit ?? 'ops/s',
    ours: values(ours),
    baselineName: pairing.baselineName,
    baseline: values(baseline),
    minSpeed: pairing.minSpeed,
    targetText: pairing.targetText,
    note: pairing.note,
    problem: pairing.problem,
    cpuUs: { ours: measured.cpuUs(ours), baseline: measured.cpuUs(baseline) },
  });
}

/** The problems that apply, in one text; undefined if none does. */
export function joinProblems(...problems: (string | undefined)[]): string | undefined {
  return problems.filter(Boolean).join(', ') || undefined;
}
