import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { OtelApi } from './load-otel-api';
import { ATTR_ERROR_TYPE, ATTR_OPERATION, SCOPE_NAME, SCOPE_VERSION } from './otel-names';

/** The span of a call that is being recorded, and the context that holds it (the parent for factory spans). */
export interface RecordedCall {
  span: Span;
  inside: Context;
}

/** Adds what the answer tells (hit or miss) to the span; returns the answer to hand back. */
export type SpanFinish<R> = (span: Span, answer: R) => R;

/**
 * Starts and ends the spans of cache operations and factory calls. Spans are INTERNAL: a
 * cache call may be answered from process memory, and on Redis the CLIENT spans of each
 * command are ioredis instrumentation's to report (they nest under ours).
 */
export class CacheTracing {
  private readonly tracer: Tracer;
  /** The attributes every span of an operation starts with, made once per operation. */
  private readonly baseAttributes = new Map<string, Attributes>();

  constructor(
    private readonly api: OtelApi,
    /** Which cache: its backend and name, on every span. */
    private readonly cache: Attributes,
    /** otel.includeKeys: keys, and error messages (which name keys), may go on spans. */
    readonly includeKeys: boolean,
  ) {
    this.tracer = api.trace.getTracer(SCOPE_NAME, SCOPE_VERSION);
  }

  /**
   * Runs a call inside a span named `cache <operation>`, a child of the caller's active span.
   * A span that is not recorded (no SDK registered, or sampled out) costs no promise: `run`
   * then gets undefined and makes the call as it is, and `finish` is skipped.
   */
  operation<R>(
    operation: string,
    attributes: Attributes | undefined,
    run: (recorded: RecordedCall | undefined) => Promise<R>,
    finish?: SpanFinish<R>,
  ): Promise<R> {
    const parent = this.api.context.active();
    const span = this.tracer.startSpan(
      `cache ${operation}`,
      { kind: this.api.SpanKind.INTERNAL, attributes: this.attributesOf(operation, attributes) },
      parent,
    );
    // Active while the call runs, so spans below it (ioredis commands) become its children.
    const inside = this.api.trace.setSpan(parent, span);
    if (!span.isRecording()) return this.api.context.with(inside, run, undefined, undefined);
    let answer: Promise<R>;
    try {
      answer = this.api.context.with(inside, run, undefined, { span, inside });
    } catch (error) {
      this.end(span, error);
      throw error;
    }
    return answer.then(
      (result) => {
        const handedBack = finish ? finish(span, result) : result;
        span.end();
        return handedBack;
      },
      (error: unknown) => {
        this.end(span, error);
        throw error;
      },
    );
  }

  /** Runs a factory inside a `cache factory` span under `parent`; keeps it synchronous when it is. */
  factory<T>(parent: Context, attributes: Attributes | undefined, run: () => T | Promise<T>): T | Promise<T> {
    const span = this.tracer.startSpan(
      'cache factory',
      { kind: this.api.SpanKind.INTERNAL, attributes: { ...this.cache, ...attributes } },
      parent,
    );
    let result: T | Promise<T>;
    try {
      // The app's own spans (a database query) nest under the factory span.
      result = this.api.context.with(this.api.trace.setSpan(parent, span), run);
    } catch (error) {
      this.end(span, error);
      throw error;
    }
    if (!isThenable(result)) {
      span.end();
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.end(span, error);
        throw error;
      },
    );
  }

  private attributesOf(operation: string, extra: Attributes | undefined): Attributes {
    let base = this.baseAttributes.get(operation);
    if (!base) {
      base = { ...this.cache, [ATTR_OPERATION]: operation };
      this.baseAttributes.set(operation, base);
    }
    return extra ? { ...base, ...extra } : base;
  }

  /** Ends a failed span. Messages of this package's errors name the key, so they go on it only when keys may. */
  private end(span: Span, error: unknown): void {
    span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : '_OTHER');
    if (this.includeKeys) {
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: this.api.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    } else {
      span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    }
    span.end();
  }
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
