import type { MonitorSample } from './monitor.js';
import type { Recorder } from './Recorder.js';
import {
  concurrencyOverTime,
  effectiveConcurrency,
  type Latency,
  latencyOf,
  type TimelineTask,
} from './stats.js';

/* The JSON run report. Field names are the async example template's (SPEC §3 "Observability"); Ferris adds
   fields (`cancelled_tasks`, `metrics`, `timeline`...) but never renames one. Times are seconds, as in the
   template, except inside `metrics`, `timeline` and `concurrency_over_time`, which say `_ms`/are ms. */

/** `core_functionality.basic_async_example`. */
export interface BasicAsyncExample {
  operation: string;
  status: 'success' | 'failed';
  async_execution: true;
  data: unknown;
}

/** The form of `concurrent_async_example` and of every demo scenario's entry. */
export interface ScenarioReport {
  operation: string;
  status: 'completed' | 'failed';
  total_tasks: number;
  successful_tasks: number;
  failed_tasks: number;
  /** Seconds from the scenario's first queued task to its last settled one. */
  execution_time: number;
  tasks_per_second: number;
  /** Tasks cancelled (by a timeout, a failing sibling or a shutdown); not counted as failed. */
  cancelled_tasks: number;
  /** Extra facts the scenario reports (e.g. items kept by a filter). */
  details?: Record<string, unknown>;
}

/** `core_functionality.async_integration_example`. */
export interface AsyncIntegrationExample {
  operation: string;
  status: 'success' | 'failed';
  phases_completed: number;
}

/** `core_functionality`: the template's three entries, then one per demo scenario. */
export type CoreFunctionality = {
  basic_async_example: BasicAsyncExample;
  concurrent_async_example: ScenarioReport;
  async_integration_example: AsyncIntegrationExample;
} & { [scenario: string]: BasicAsyncExample | ScenarioReport | AsyncIntegrationExample };

/** `error_handling`: whether each failure mode was met and handled. */
export interface ErrorHandlingReport {
  timeout_handled: boolean;
  exception_recovery_handled: boolean;
  concurrent_error_handled: boolean;
}

/** `performance`. */
export interface PerformanceReport {
  /** Seconds of the whole run. */
  total_execution_time: number;
  async_operations_per_second: number;
  concurrent_tasks_per_second: number;
  /** Failed tasks / settled tasks, in [0, 1]. */
  error_rate: number;
}

/** `execution_summary`. */
export interface ExecutionSummary {
  total_async_operations: number;
  concurrent_tasks_executed: number;
  errors_encountered: number;
  /** Fulfilled tasks / settled tasks, in [0, 1]. */
  success_rate: number;
  /** Measured sequential time / concurrent time, e.g. `"3.4x_vs_sync"`; `"not_measured"` without a baseline. */
  async_efficiency_gain: string;
}

/** Ferris's additions: what the recorder measured. Times in ms. */
export interface RunMetrics {
  latency_ms: Latency;
  throughput_per_second: number;
  effective_concurrency: number;
  max_concurrency: number;
  retries: number;
  limiter: { grants: number; waits: number; total_wait_ms: number };
  breaker_transitions: { at: number; name: string; from: string; to: string }[];
  pool: { created: number; acquired: number; released: number; destroyed: number };
  queue: { put: number; get: number };
}

/** The run report (`ferris-report.json`). */
export interface RunReport {
  status: 'completed' | 'failed';
  module: string;
  execution_mode: 'async';
  core_functionality: CoreFunctionality;
  error_handling: ErrorHandlingReport;
  performance: PerformanceReport;
  execution_summary: ExecutionSummary;
  /** ISO time the report was built. */
  generated_at: string;
  metrics: RunMetrics;
  /** Seconds of the measured comparison behind `async_efficiency_gain`. */
  baseline: { async_time: number; sync_time: number } | null;
  timeline: { lanes: number; duration_ms: number; tasks: TimelineTask[] };
  /** `[ms, running]` steps. */
  concurrency_over_time: [number, number][];
  monitor: MonitorSample[];
}

/** How to build one scenario's entry from the recorder. */
export interface ScenarioInput {
  /** The template's `operation` text, e.g. "concurrent_async_operations". */
  operation: string;
  /** The recorder's scenario label of its tasks. @default the entry's key */
  scenario?: string | undefined;
  /** Whether the scenario did what it should (failures it provokes on purpose do not make it fail). @default 'completed' */
  status?: 'completed' | 'failed' | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Input of {@link buildReport} besides the recorder. */
export interface BuildReportInput {
  /** `module`. @default "ferris" */
  module?: string | undefined;
  basic: Omit<BasicAsyncExample, 'async_execution' | 'operation'> & { operation?: string | undefined };
  concurrent: ScenarioInput;
  integration: Omit<AsyncIntegrationExample, 'operation'> & { operation?: string | undefined };
  /** One entry per further demo scenario, keyed as it appears in `core_functionality`. */
  scenarios?: Record<string, ScenarioInput> | undefined;
  errorHandling: ErrorHandlingReport;
  /** Seconds of the whole run. @default the recorder's age */
  totalExecutionTime?: number | undefined;
  /** The measured comparison: the same work concurrently and sequentially, in seconds. */
  baseline?: { asyncSeconds: number; syncSeconds: number } | undefined;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** `"<sync/async>x_vs_sync"` with one decimal, from measured seconds. */
export function efficiencyGain(asyncSeconds: number, syncSeconds: number): string {
  if (!(asyncSeconds > 0) || !(syncSeconds >= 0)) return 'not_measured';
  return `${(syncSeconds / asyncSeconds).toFixed(1)}x_vs_sync`;
}

function scenarioReport(tasks: TimelineTask[], input: ScenarioInput): ScenarioReport {
  let ok = 0;
  let failed = 0;
  let cancelled = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of tasks) {
    if (t.outcome === 'fulfilled') ok++;
    else if (t.outcome === 'rejected') failed++;
    else if (t.outcome === 'cancelled') cancelled++;
    first = Math.min(first, t.queued_at);
    if (t.finished_at !== null) last = Math.max(last, t.finished_at);
  }
  const seconds = last > first ? (last - first) / 1000 : 0;
  return {
    operation: input.operation,
    status: input.status ?? 'completed',
    total_tasks: tasks.length,
    successful_tasks: ok,
    failed_tasks: failed,
    execution_time: r3(seconds),
    tasks_per_second: seconds > 0 ? r2((ok + failed) / seconds) : 0,
    cancelled_tasks: cancelled,
    ...(input.details !== undefined ? { details: input.details } : {}),
  };
}

/**
 * Builds the JSON run report from what `recorder` saw and what the caller knows (the scenarios' expected
 * outcomes, the measured sequential baseline). Counts, rates and times come from the recorded tasks.
 * @example
 * ```ts
 * const report = buildReport(recorder, {
 *   basic: { status: 'success', data: { answer: 42 } },
 *   concurrent: { operation: 'concurrent_async_operations', scenario: 'concurrent' },
 *   integration: { status: 'success', phases_completed: 3 },
 *   errorHandling: { timeout_handled: true, exception_recovery_handled: true, concurrent_error_handled: true },
 *   baseline: { asyncSeconds: 0.4, syncSeconds: 1.6 },
 * });
 * console.log(report.execution_summary.async_efficiency_gain); // "4.0x_vs_sync"
 * ```
 */
export function buildReport(recorder: Recorder, input: BuildReportInput): RunReport {
  const tasks = recorder.tasks();
  const byScenario = new Map<string, TimelineTask[]>();
  for (const t of tasks) {
    const list = byScenario.get(t.scenario);
    if (list === undefined) byScenario.set(t.scenario, [t]);
    else list.push(t);
  }
  const entry = (key: string, s: ScenarioInput) => scenarioReport(byScenario.get(s.scenario ?? key) ?? [], s);

  const concurrent = entry('concurrent_async_example', input.concurrent);
  const core: CoreFunctionality = {
    basic_async_example: {
      operation: input.basic.operation ?? 'basic_async_functionality',
      status: input.basic.status,
      async_execution: true,
      data: input.basic.data,
    },
    concurrent_async_example: concurrent,
    async_integration_example: {
      operation: input.integration.operation ?? 'async_integration_scenario',
      status: input.integration.status,
      phases_completed: input.integration.phases_completed,
    },
  };
  const scenarioEntries: ScenarioReport[] = [concurrent];
  for (const [key, s] of Object.entries(input.scenarios ?? {})) {
    const report = entry(key, s);
    core[key] = report;
    scenarioEntries.push(report);
  }

  const events = recorder.events();
  let fulfilled = 0;
  let rejected = 0;
  let cancelled = 0;
  for (const t of tasks) {
    if (t.outcome === 'fulfilled') fulfilled++;
    else if (t.outcome === 'rejected') rejected++;
    else if (t.outcome === 'cancelled') cancelled++;
  }
  const settled = fulfilled + rejected;
  const total = input.totalExecutionTime ?? recorder.now() / 1000;
  const count = (type: RecordedType) => events.filter((e) => e.type === type).length;
  const limiterEvents = events.filter((e) => e.type === 'limiterWait');
  const series = concurrencyOverTime(tasks);
  const latency = latencyOf(tasks);
  let end = 0;
  for (const t of tasks) end = Math.max(end, t.finished_at ?? t.started_at ?? t.queued_at);
  const ok =
    core.basic_async_example.status === 'success' &&
    core.async_integration_example.status === 'success' &&
    scenarioEntries.every((s) => s.status === 'completed');

  return {
    status: ok ? 'completed' : 'failed',
    module: input.module ?? 'ferris',
    execution_mode: 'async',
    core_functionality: core,
    error_handling: { ...input.errorHandling },
    performance: {
      total_execution_time: r3(total),
      async_operations_per_second: total > 0 ? r2(settled / total) : 0,
      concurrent_tasks_per_second: concurrent.tasks_per_second,
      error_rate: settled > 0 ? r3(rejected / settled) : 0,
    },
    execution_summary: {
      total_async_operations: settled + cancelled,
      concurrent_tasks_executed: concurrent.total_tasks,
      errors_encountered: rejected,
      success_rate: settled > 0 ? r3(fulfilled / settled) : 1,
      async_efficiency_gain: input.baseline
        ? efficiencyGain(input.baseline.asyncSeconds, input.baseline.syncSeconds)
        : 'not_measured',
    },
    generated_at: new Date(recorder.epochOrigin + recorder.now()).toISOString(),
    metrics: {
      latency_ms: latency,
      throughput_per_second: total > 0 ? r2(fulfilled / total) : 0,
      effective_concurrency: effectiveConcurrency(tasks),
      max_concurrency: series.reduce((m, [, n]) => Math.max(m, n), 0),
      retries: count('retried'),
      limiter: {
        grants: limiterEvents.length,
        waits: limiterEvents.filter((e) => e.type === 'limiterWait' && e.waited > 0).length,
        total_wait_ms: r3(
          limiterEvents.reduce((sum, e) => sum + (e.type === 'limiterWait' ? e.waited : 0), 0),
        ),
      },
      breaker_transitions: events.flatMap((e) =>
        e.type === 'breakerState' ? [{ at: e.at, name: e.name, from: e.from, to: e.to }] : [],
      ),
      pool: {
        created: count('poolCreate'),
        acquired: count('poolAcquire'),
        released: count('poolRelease'),
        destroyed: count('poolDestroy'),
      },
      queue: { put: count('queuePut'), get: count('queueGet') },
    },
    baseline: input.baseline
      ? { async_time: r3(input.baseline.asyncSeconds), sync_time: r3(input.baseline.syncSeconds) }
      : null,
    timeline: { lanes: tasks.reduce((m, t) => Math.max(m, t.lane + 1), 0), duration_ms: r3(end), tasks },
    concurrency_over_time: series,
    monitor: events.flatMap((e) => (e.type === 'monitor' ? [e.sample] : [])),
  };
}

type RecordedType = ReturnType<Recorder['events']>[number]['type'];
