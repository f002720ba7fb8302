import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../core/Clock.js';
import { assertFunction, clockOption, durationOption, optionsBag, stringOption } from '../core/validate.js';

/** Event-loop delay seen during one call, in milliseconds (`perf_hooks.monitorEventLoopDelay`). */
export interface EventLoopDelay {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
}

/**
 * What {@link monitor} measures for one call. The first five fields keep the names of the template's
 * `async_performance_monitor`, and its units: times in **seconds**, memory in bytes.
 */
export interface MonitorSample {
  /** The monitored function's name (or `options.name`). */
  name: string;
  /** Wall-clock seconds of the call (`Date.now()`). */
  execution_time: number;
  /** Seconds of the call on the event loop's monotonic clock (the injected `clock`). */
  async_time: number;
  /** Resident set size after the call minus before it, in bytes (may be negative after a GC). */
  memory_used: number;
  /** CPU time the process used during the call (user + system), in percent of one core over the call. */
  cpu_percent: number;
  /** `async_time / execution_time`, or 0 for an instantaneous call. */
  efficiency_ratio: number;
  /** How late the event loop ran timers during the call, in ms. */
  event_loop_delay: EventLoopDelay;
  /** Whether the call fulfilled. */
  ok: boolean;
  /** Whether the call took longer than `slowMs`. */
  slow: boolean;
}

/** A logger such as `console` or pino: `info` gets every sample, `warn` (if any) the slow ones. */
export interface MonitorLogger {
  info(message: string, sample: MonitorSample): void;
  warn?(message: string, sample: MonitorSample): void;
}

/** Where samples go: a callback, a `Recorder` (anything with `record(sample)`), or a logger. */
export type MonitorSink =
  | ((sample: MonitorSample) => void)
  | { record(sample: MonitorSample): void }
  | MonitorLogger;

/** Options of {@link monitor}. */
export interface MonitorOptions {
  /** The label of the samples. @default the function's name, or "anonymous" */
  name?: string | undefined;
  /** Receives each call's sample once the call settled. @default none (samples are only measured) */
  sink?: MonitorSink | undefined;
  /**
   * A call slower than this many milliseconds is flagged `slow` and logged as the template's
   * "took longer than expected" warning. @default Infinity (never)
   */
  slowMs?: number | undefined;
  /** The monotonic clock of `async_time`; inject a `FakeClock` in tests. @default systemClock */
  clock?: Clock | undefined;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const nsToMs = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e3) / 1e3 : 0);

function deliver(sink: MonitorSink | undefined, sample: MonitorSample, slowMs: number): void {
  if (sink === undefined) return;
  if (typeof sink === 'function') {
    sink(sample);
    return;
  }
  if ('record' in sink && typeof sink.record === 'function') {
    sink.record(sample);
    return;
  }
  const logger = sink as MonitorLogger;
  logger.info(`${sample.name} async performance`, sample);
  if (sample.slow) {
    const message = `${sample.name}: async operation took longer than expected (${Math.round(sample.async_time * 1000)} ms > ${slowMs} ms)`;
    (logger.warn ?? logger.info).call(logger, message, sample);
  }
}

/**
 * Wraps an async function (the template's `async_performance_monitor` decorator): every call is measured
 * (execution and event-loop time, RSS delta, CPU, event-loop delay) and the sample is handed to `sink`
 * once the call settled. Arguments, result and errors pass through unchanged; a call that rejects is
 * measured too (`ok: false`).
 * @throws TypeError (synchronously) if `fn` is not a function or an option has the wrong type.
 * @example
 * ```ts
 * import { sleep } from 'ferris';
 * import { monitor } from 'ferris/report';
 *
 * const load = monitor(async (id: number) => { await sleep(10); return id; }, { sink: console, slowMs: 500 });
 * await load(1); // console.info('load async performance', { execution_time: 0.01, ... })
 * ```
 */
export function monitor<A extends unknown[], R>(
  fn: (...args: A) => R | PromiseLike<R>,
  options?: MonitorOptions,
): (...args: A) => Promise<Awaited<R>> {
  assertFunction('monitor fn', fn);
  const o = optionsBag('monitor options', options);
  const name = stringOption('monitor options.name', o.name) ?? (fn.name || 'anonymous');
  const slowMs = durationOption('monitor options.slowMs', o.slowMs, Number.POSITIVE_INFINITY);
  const clock = clockOption('monitor options.clock', o.clock);
  const sink = o.sink;
  if (sink !== undefined && typeof sink !== 'function' && (typeof sink !== 'object' || sink === null))
    throw new TypeError(
      `monitor options.sink must be a function, a Recorder or a logger, got ${typeof sink}.`,
    );

  return async (...args: A): Promise<Awaited<R>> => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const wallStart = Date.now();
    const start = clock.now();
    const rssStart = process.memoryUsage.rss();
    const cpuStart = process.cpuUsage();
    let ok = false;
    try {
      const value = await fn(...args);
      ok = true;
      return value;
    } finally {
      const asyncMs = clock.now() - start;
      const wallMs = Date.now() - wallStart;
      const cpu = process.cpuUsage(cpuStart);
      delay.disable();
      const execution = wallMs / 1000;
      const sample: MonitorSample = {
        name,
        execution_time: round6(execution),
        async_time: round6(asyncMs / 1000),
        memory_used: process.memoryUsage.rss() - rssStart,
        cpu_percent: wallMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10 : 0,
        efficiency_ratio: execution > 0 ? round6(asyncMs / wallMs) : 0,
        event_loop_delay: {
          min: nsToMs(delay.min),
          max: nsToMs(delay.max),
          mean: nsToMs(delay.mean),
          p50: nsToMs(delay.percentile(50)),
          p99: nsToMs(delay.percentile(99)),
        },
        ok,
        slow: asyncMs > slowMs,
      };
      deliver(sink, sample, slowMs);
    }
  };
}
