import type { CallSample } from './cache-load';
import type { StallMonitor } from './stall-monitor';
import type { LogLine } from '../../helpers/capture-logger';

/** What one fault scenario measured; printed as a row of the table in docs/faults.md. */
export interface ScenarioFigures {
  scenario: string;
  calls: number;
  exceptions: number;
  /** As the caller measured it, including stalls of the whole test process. */
  maxLatencyMs: number;
  /** The same, less the time the process was stalled while the call was in flight. */
  maxLatencyOutsideStallsMs: number;
  p99LatencyMs: number;
  /** Calls that started while the breaker held calls back. */
  openCalls: number;
  /** Share of those that returned in under 1 ms. */
  fastShareOpen: number;
  /** From "Redis is back" to the first set that started afterwards and was written. */
  recoveryMs: number;
  /** Sets that reported true although the write could not have happened. */
  dishonestWrites: number;
  unhandledRejections: number;
  cacheLogLines: number;
  /** Longest time the test process did not run at all: every call in flight then pays it. */
  maxStallMs: number;
}

export interface ScenarioWindow {
  /** When the fault was applied (Date.now). */
  faultAt: number;
  /** When Redis answered again. */
  backAt: number;
}

export function measureScenario(
  scenario: string,
  samples: CallSample[],
  window: ScenarioWindow,
  extra: {
    exceptions: number;
    unhandledRejections: number;
    logLines: LogLine[];
    stalls: StallMonitor;
    writeImpossible: (sample: CallSample) => boolean;
  },
): ScenarioFigures {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const open = samples.filter((s) => s.breakerOpen);
  const recovered = samples.find((s) => s.op === 'set' && s.startedAt >= window.backAt && s.outcome === 'written');
  return {
    scenario,
    calls: samples.length,
    exceptions: extra.exceptions,
    maxLatencyMs: latencies[latencies.length - 1] ?? 0,
    maxLatencyOutsideStallsMs: Math.max(
      0,
      ...samples.map((s) => s.latencyMs - extra.stalls.stalledWithin(s.startedAt, s.endedAt)),
    ),
    p99LatencyMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    openCalls: open.length,
    fastShareOpen: open.length === 0 ? 0 : open.filter((s) => s.latencyMs < 1).length / open.length,
    recoveryMs: recovered ? recovered.endedAt - window.backAt : Number.POSITIVE_INFINITY,
    dishonestWrites: samples.filter((s) => s.op === 'set' && s.outcome === 'written' && extra.writeImpossible(s))
      .length,
    unhandledRejections: extra.unhandledRejections,
    cacheLogLines: extra.logLines.length,
    maxStallMs: extra.stalls.maxStallMs,
  };
}

export const FIGURES_HEADER =
  '| scenario | calls | exceptions | max latency (less process stalls) | p99 latency | calls while open | < 1 ms while open | recovery | dishonest writes | unhandled rejections | log lines | longest process stall |\n' +
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';

export function figuresRow(f: ScenarioFigures): string {
  const pct = `${(f.fastShareOpen * 100).toFixed(1)} %`;
  return `| ${f.scenario} | ${f.calls} | ${f.exceptions} | ${f.maxLatencyMs.toFixed(0)} ms (${f.maxLatencyOutsideStallsMs.toFixed(0)} ms) | ${f.p99LatencyMs.toFixed(0)} ms | ${f.openCalls} | ${pct} | ${f.recoveryMs.toFixed(0)} ms | ${f.dishonestWrites} | ${f.unhandledRejections} | ${f.cacheLogLines} | ${f.maxStallMs.toFixed(0)} ms |`;
}

/**
 * Checks the outage logging rule on the module's lines: faults are logged, a kind is
 * repeated at most once per window, and the recovery is one line. Returns what is wrong.
 */
export function logDisciplineProblems(
  lines: LogLine[],
  windowMs: number,
  faultAt: number,
  /** How long this process did not run at all within [from, to] (StallMonitor): no code logs while it is not scheduled. */
  stalledWithin: (from: number, to: number) => number = () => 0,
): string[] {
  const problems: string[] = [];
  const errors = lines.filter((line) => line.level === 'error');
  if (errors.length === 0) problems.push('no fault was logged');
  // The first failure is written when it happens, not at the end of a window: within 1 s
  // of the fault, less the time the process was not scheduled (1009 ms were seen with a
  // 951 ms stall on a loaded 2-core machine).
  else if (errors[0].at - faultAt - stalledWithin(faultAt, errors[0].at) > 1000) {
    problems.push(
      `first fault logged ${errors[0].at - faultAt} ms after the fault (${stalledWithin(faultAt, errors[0].at)} ms of it stalled)`,
    );
  }
  const lastByKind = new Map<string, number>();
  for (const line of errors) {
    const kind = /failed: ([^(]+?) \(/.exec(line.text)?.[1] ?? line.text;
    const previous = lastByKind.get(kind);
    // Timestamps are taken by the capture, a few ms after the module's own clock read.
    if (previous !== undefined && line.at - previous < windowMs - 50) {
      problems.push(`"${kind}" logged again after ${line.at - previous} ms`);
    }
    lastByKind.set(kind, line.at);
  }
  const recoveries = lines.filter((line) => /recovered after/.test(line.text));
  if (recoveries.length !== 1) problems.push(`${recoveries.length} recovery lines instead of 1`);
  return problems;
}
