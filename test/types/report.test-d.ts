/**
 * Type-level tests of `ferris/report`: `npm run typecheck` checks every `expectTypeOf` below.
 */
import { AsyncExecutor } from 'ferris';
import {
  type BuildReportInput,
  buildReport,
  ConfigError,
  type FerrisConfig,
  loadConfig,
  type MonitorSample,
  monitor,
  otelSink,
  parseConfig,
  Recorder,
  type RunReport,
  renderHtml,
  type ScenarioReport,
} from 'ferris/report';
import { expectTypeOf } from 'vitest';

// monitor keeps the wrapped function's parameters and result.
const wrapped = monitor(async (id: number, name: string) => ({ id, name }));
expectTypeOf(wrapped).parameters.toEqualTypeOf<[number, string]>();
expectTypeOf(wrapped).returns.resolves.toEqualTypeOf<{ id: number; name: string }>();
monitor(async () => 1, { sink: (sample) => expectTypeOf(sample).toEqualTypeOf<MonitorSample>() });
monitor(async () => 1, { sink: console });
monitor(async () => 1, { sink: new Recorder() });

// track keeps the item function's signature, so it drops into a map.
const recorder = new Recorder();
const tracked = recorder.track(
  'x',
  async (item: string, index: number, _signal: AbortSignal) => item.length + index,
);
expectTypeOf(tracked).parameters.toEqualTypeOf<[string, number, AbortSignal]>();
expectTypeOf(tracked).returns.resolves.toEqualTypeOf<number>();
expectTypeOf(recorder.attach(new AsyncExecutor(2))).toEqualTypeOf<() => void>();
expectTypeOf(recorder.onRetry()).toEqualTypeOf<(error: unknown, attempt: number, delay: number) => void>();

// The report's fields and their types are the template's.
declare const input: BuildReportInput;
const report = buildReport(recorder, input);
expectTypeOf(report).toEqualTypeOf<RunReport>();
expectTypeOf(report.execution_mode).toEqualTypeOf<'async'>();
expectTypeOf(report.status).toEqualTypeOf<'completed' | 'failed'>();
expectTypeOf(report.core_functionality.basic_async_example.async_execution).toEqualTypeOf<true>();
expectTypeOf(report.core_functionality.concurrent_async_example).toEqualTypeOf<ScenarioReport>();
expectTypeOf(report.core_functionality.async_integration_example.phases_completed).toEqualTypeOf<number>();
expectTypeOf(report.error_handling).toEqualTypeOf<{
  timeout_handled: boolean;
  exception_recovery_handled: boolean;
  concurrent_error_handled: boolean;
}>();
expectTypeOf(report.performance.total_execution_time).toEqualTypeOf<number>();
expectTypeOf(report.performance.error_rate).toEqualTypeOf<number>();
expectTypeOf(report.execution_summary.async_efficiency_gain).toEqualTypeOf<string>();
expectTypeOf(report.execution_summary.success_rate).toEqualTypeOf<number>();
expectTypeOf(renderHtml(report)).toEqualTypeOf<string>();

// Config: durations in ms, typed errors.
expectTypeOf(loadConfig).returns.toEqualTypeOf<FerrisConfig>();
expectTypeOf(parseConfig('').async.timeout).toEqualTypeOf<number>();
expectTypeOf(new ConfigError('m', 'f', 1, 'k', 'v').line).toEqualTypeOf<number | undefined>();

// The OpenTelemetry sink needs no import of @opentelemetry/api: structural tracer and meter.
expectTypeOf(otelSink).parameter(1).toHaveProperty('tracer');
expectTypeOf(
  otelSink(recorder, {
    meter: undefined,
    tracer: { startSpan: () => ({ setAttribute() {}, setStatus() {}, addEvent() {}, end() {} }) },
  }),
).toEqualTypeOf<() => void>();
