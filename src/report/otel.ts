import type { RecordedEvent, Recorder } from './Recorder.js';

/* Structural slices of @opentelemetry/api, so that this file needs the package neither to load nor to
   type-check: the caller passes its own tracer and meter (`trace.getTracer(...)`, `metrics.getMeter(...)`). */

type Attributes = Record<string, string | number | boolean>;

/** The part of an OpenTelemetry `Span` the sink uses. */
export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: Attributes, time?: number): unknown;
  end(endTime?: number): void;
}

/** The part of an OpenTelemetry `Tracer` the sink uses. */
export interface OtelTracer {
  startSpan(name: string, options?: { startTime?: number; attributes?: Attributes }): OtelSpan;
}

/** The part of an OpenTelemetry `Meter` the sink uses. */
export interface OtelMeter {
  createHistogram(
    name: string,
    options?: { unit?: string; description?: string },
  ): {
    record(value: number, attributes?: Attributes): void;
  };
  createCounter(
    name: string,
    options?: { unit?: string; description?: string },
  ): {
    add(value: number, attributes?: Attributes): void;
  };
}

/** Options of {@link otelSink}: at least one of `tracer` and `meter`. */
export interface OtelSinkOptions {
  /** Spans: one per task, from its start to its settlement, retries as span events. */
  tracer?: OtelTracer | undefined;
  /**
   * Metrics: `ferris.task.duration` (ms histogram), `ferris.task.queue_wait` (ms histogram),
   * `ferris.tasks` (counter by outcome), `ferris.retries`, `ferris.limiter.wait` (ms histogram),
   * `ferris.breaker.transitions` (counter by target state).
   */
  meter?: OtelMeter | undefined;
}

const STATUS_ERROR = 2; // SpanStatusCode.ERROR

/**
 * Sends what `recorder` records to OpenTelemetry through the caller's tracer and meter
 * (`@opentelemetry/api` is an optional peer dependency; this function loads nothing).
 * @returns An unsubscribe function; spans still open then are left unended.
 * @throws TypeError if neither `tracer` nor `meter` is given.
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * import { otelSink, Recorder } from 'ferris/report';
 * const recorder = new Recorder();
 * const stop = otelSink(recorder, { tracer: trace.getTracer('ferris'), meter: metrics.getMeter('ferris') });
 * ```
 */
export function otelSink(recorder: Recorder, options: OtelSinkOptions): () => void {
  const { tracer, meter } = options ?? {};
  if (tracer === undefined && meter === undefined)
    throw new TypeError('otelSink needs options.tracer, options.meter or both.');
  const epoch = (at: number) => recorder.epochOrigin + at;
  const spans = new Map<number, OtelSpan>();
  const queuedAt = new Map<number, number>();
  const duration = meter?.createHistogram('ferris.task.duration', {
    unit: 'ms',
    description: 'Task run time',
  });
  const queueWait = meter?.createHistogram('ferris.task.queue_wait', {
    unit: 'ms',
    description: 'Time queued',
  });
  const outcomes = meter?.createCounter('ferris.tasks', { description: 'Settled tasks by outcome' });
  const retries = meter?.createCounter('ferris.retries', { description: 'Retries scheduled' });
  const limiterWait = meter?.createHistogram('ferris.limiter.wait', {
    unit: 'ms',
    description: 'Rate-limit wait',
  });
  const transitions = meter?.createCounter('ferris.breaker.transitions', {
    description: 'Breaker state changes',
  });

  const start = (id: number, name: string, scenario: string, at: number): OtelSpan | undefined => {
    if (tracer === undefined) return undefined;
    const span = tracer.startSpan(name, {
      startTime: epoch(at),
      attributes: { 'ferris.scenario': scenario },
    });
    spans.set(id, span);
    return span;
  };

  const sink = (event: RecordedEvent): void => {
    switch (event.type) {
      case 'queued':
        queuedAt.set(event.id, event.at);
        return;
      case 'started': {
        const queued = queuedAt.get(event.id);
        if (queued !== undefined) queueWait?.record(event.at - queued, { 'ferris.scenario': event.scenario });
        start(event.id, event.name, event.scenario, event.at);
        return;
      }
      case 'finished':
      case 'failed':
      case 'cancelled': {
        queuedAt.delete(event.id);
        const outcome =
          event.type === 'finished' ? 'fulfilled' : event.type === 'failed' ? 'rejected' : 'cancelled';
        duration?.record(event.duration, { 'ferris.scenario': event.scenario, 'ferris.outcome': outcome });
        outcomes?.add(1, { 'ferris.scenario': event.scenario, 'ferris.outcome': outcome });
        const span = spans.get(event.id) ?? start(event.id, event.name, event.scenario, event.at);
        spans.delete(event.id);
        if (span === undefined) return;
        span.setAttribute('ferris.outcome', outcome);
        if (event.type === 'failed') span.setStatus({ code: STATUS_ERROR, message: event.error ?? 'failed' });
        span.end(epoch(event.at));
        return;
      }
      case 'retried': {
        retries?.add(1, event.name !== undefined ? { 'ferris.task': event.name } : {});
        if (event.id !== undefined)
          spans
            .get(event.id)
            ?.addEvent(
              'retry',
              { attempt: event.attempt, delay_ms: event.delay, error: event.error },
              epoch(event.at),
            );
        return;
      }
      case 'limiterWait':
        limiterWait?.record(event.waited);
        return;
      case 'breakerState':
        transitions?.add(1, { 'ferris.breaker': event.name, 'ferris.to': event.to });
        return;
      default:
        return;
    }
  };
  return recorder.subscribe(sink);
}
