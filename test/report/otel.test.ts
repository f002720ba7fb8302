import { SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { asyncParallelMap, retry } from 'ferris';
import { otelSink, Recorder } from 'ferris/report';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';

describe('otelSink', () => {
  it('turns each task into a span and the run into metrics, through the SDK in-memory exporters', async () => {
    const clock = fakeClock();
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricsOut,
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    try {
      const recorder = new Recorder({ clock });
      const stop = otelSink(recorder, {
        tracer: tracerProvider.getTracer('ferris-test'),
        meter: meterProvider.getMeter('ferris-test'),
      });
      let calls = 0;
      const item = recorder.track(
        'fetch',
        async (n: number) => {
          if (n === 2) throw new Error('two failed');
          if (n === 3)
            return retry(
              async () => {
                if (++calls === 1) throw new Error('flaky');
                return n;
              },
              { attempts: 2, backoff: { initial: 0, jitter: 'none' }, clock, onRetry: recorder.onRetry() },
            );
          return n;
        },
        { scenario: 'otel' },
      );
      const done = asyncParallelMap(item, [1, 2, 3], { stopOnError: false }).catch(() => null);
      await clock.runAll();
      await done;
      stop();

      const finished = spans.getFinishedSpans();
      expect(finished.map((s) => s.name)).toEqual(['fetch', 'fetch', 'fetch']);
      expect(finished.map((s) => s.attributes['ferris.outcome']).sort()).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
      ]);
      const failed = finished.find((s) => s.attributes['ferris.outcome'] === 'rejected');
      expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: two failed' });
      expect(finished.flatMap((s) => s.events.map((e) => e.name))).toEqual(['retry']);
      expect(finished.every((s) => s.attributes['ferris.scenario'] === 'otel')).toBe(true);

      await reader.forceFlush();
      const names = metricsOut
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)));
      expect(names).toEqual(
        expect.arrayContaining(['ferris.task.duration', 'ferris.tasks', 'ferris.retries']),
      );
      const tasks = metricsOut
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.descriptor.name === 'ferris.tasks');
      const total = tasks?.dataPoints.reduce((sum, p) => sum + (p.value as number), 0);
      expect(total).toBe(3);
    } finally {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    }
  });

  it('needs a tracer or a meter', () => {
    expect(() => otelSink(new Recorder({ clock: fakeClock() }), {})).toThrow(TypeError);
  });
});
