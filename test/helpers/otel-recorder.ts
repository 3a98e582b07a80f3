import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** One exported data point, flattened: its value (a number, or a histogram) and its attributes. */
export interface Point {
  value: number | Histogram;
  attributes: Record<string, unknown>;
}

/**
 * The OpenTelemetry SDK as an app registers it, with in-memory exporters: global tracer and
 * meter providers, and the AsyncLocalStorage context manager NodeSDK installs. Spans are
 * exported as they end; metrics when `collect()` forces the reader to export.
 */
export class OtelRecorder {
  private readonly spanExporter = new InMemorySpanExporter();
  private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  private readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  static start(): OtelRecorder {
    const recorder = new OtelRecorder();
    context.setGlobalContextManager(recorder.contextManager.enable());
    trace.setGlobalTracerProvider(recorder.tracerProvider);
    metrics.setGlobalMeterProvider(recorder.meterProvider);
    return recorder;
  }

  /** Every span ended since the last reset, in the order they ended. */
  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  resetSpans(): void {
    this.spanExporter.reset();
  }

  /** Collects every instrument once and returns what was exported, by metric name. */
  async collect(): Promise<Map<string, MetricData>> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of this.metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }

  async stop(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  }
}

/** The points of `metric`, flattened. */
export function pointsOf(metric: MetricData | undefined): Point[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => ({
    value: point.value,
    attributes: { ...point.attributes },
  }));
}

/** The value of the one point of `metric` whose attributes include `match`. */
export function valueOf(metric: MetricData | undefined, match: Record<string, unknown> = {}): number | undefined {
  const found = pointsOf(metric).filter((point) =>
    Object.entries(match).every(([name, value]) => point.attributes[name] === value),
  );
  if (found.length > 1)
    throw new Error(`${found.length} points of ${metric?.descriptor.name} match ${JSON.stringify(match)}`);
  const value = found[0]?.value;
  return typeof value === 'number' ? value : undefined;
}

/** Per `db.operation.name`, how many durations the histogram holds. */
export function histogramCounts(metric: MetricData | undefined): Record<string, number> {
  if (metric && metric.dataPointType !== DataPointType.HISTOGRAM)
    throw new Error(`${metric.descriptor.name} is not a histogram`);
  return Object.fromEntries(
    pointsOf(metric).map((point) => [String(point.attributes['db.operation.name']), (point.value as Histogram).count]),
  );
}

/** A span as the tests compare it: its name, its parent's name, attributes, and status when it failed. */
export interface SpanSummary {
  name: string;
  parent: string | null;
  attributes: Record<string, unknown>;
  error?: string;
}

/** `spans` summarised in the order they ended; a parent outside `spans` shows as `(outside)`. */
export function summarise(spans: ReadableSpan[]): SpanSummary[] {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  return spans.map((span) => {
    const parentId = span.parentSpanContext?.spanId;
    const summary: SpanSummary = {
      name: span.name,
      parent: parentId === undefined ? null : (byId.get(parentId)?.name ?? '(outside)'),
      attributes: { ...span.attributes },
    };
    if ((span.status.code as number) === 2) summary.error = span.status.message ?? '';
    return summary;
  });
}
