import type { Clock } from '../core/Clock.js';
import type { ClockOptions, MapLimiter } from '../core/types.js';
import { assertObject, finiteOption, signalOption, stringOption, timeoutOption } from '../core/validate.js';
import type { AsyncParallelMapOptions } from '../parallel/mapOptions.js';

import type { AsyncTask, AsyncTaskOptions } from '../task/AsyncTask.js';

/* The public option, stats and event shapes of AsyncExecutor (kept here so the class file stays readable). */

/** The defaults of {@link AsyncExecutorOptions}. */
export const DEFAULT_EXECUTOR = Object.freeze({
  /** Tasks running at once (PyFerris's default). */
  maxWorkers: 10,
  /** Tasks waiting to start: unbounded. */
  maxQueue: Number.POSITIVE_INFINITY,
});

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions extends ClockOptions {
  /** How many tasks run at once: an integer >= 1 or `Infinity`. @default 10 */
  maxWorkers?: number | undefined;
  /** A label for logs. @default "Executor-<n>" */
  name?: string | undefined;
  /**
   * How many tasks may wait to start (load shedding, as piscina's `maxQueue` and bottleneck's `highWater`): a
   * `submitAsync` that would queue past it returns a task already rejected with `QueueFullError` (it never
   * runs). An integer >= 0 or `Infinity`. @default Infinity
   */
  maxQueue?: number | undefined;
  /**
   * Paces task starts: every start (tasks, and the items of `mapAsync`) first takes one token of this limiter
   * (a `RateLimiter`, or anything with `acquire(tokens, { signal })`), in queue order, so "at most N per
   * interval" needs no extra code. A task waiting for its token counts as `queued`. @default none
   */
  limiter?: MapLimiter | undefined;
}

/** Options of {@link AsyncExecutor.submitAsync}. */
export interface SubmitOptions {
  /** The task's label. @default "Task-<n>" */
  name?: string | undefined;
  /** Milliseconds from submission (queue time included) until the task rejects with `TimeoutError`. @default Infinity */
  timeout?: number | undefined;
  /** Higher runs first; FIFO among equal priorities. Must be finite. @default 0 */
  priority?: number | undefined;
  /** Cancels the task when it aborts: a queued task never runs, a running one's signal aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of {@link AsyncExecutor.mapAsync}: those of `asyncParallelMap` except `maxConcurrent` (the executor's
 * `maxWorkers` bounds the items, together with submitted tasks). `clock` defaults to the executor's.
 */
export type MapAsyncOptions<T = unknown> = Omit<AsyncParallelMapOptions<T>, 'maxConcurrent'>;

/** Options of {@link AsyncExecutor.shutdown}. */
export interface ShutdownOptions {
  /** Cancel queued tasks (they never run) and abort the running ones' signals. @default false */
  cancelPending?: boolean | undefined;
  /** Resolve only once running work (and, without `cancelPending`, queued work) has settled. @default true */
  wait?: boolean | undefined;
}

/** A snapshot of an executor's counters; each task is counted once in completed, failed or cancelled. */
export interface ExecutorStats {
  /** Tasks and map items whose work is running (an aborted task counts until its work settles). */
  running: number;
  /** Tasks waiting for a slot. */
  queued: number;
  /** Tasks fulfilled. */
  completed: number;
  /** Tasks rejected, timeouts included. */
  failed: number;
  /** Tasks cancelled. */
  cancelled: number;
  /** The concurrency bound. */
  maxWorkers: number;
  /** The bound on queued tasks. */
  maxQueue: number;
  /** Whether the executor is paused (queued work waits; running work goes on). */
  paused: boolean;
}

/** Events of {@link AsyncExecutor}, subscribed with `executor.on(event, listener)`. */
export interface AsyncExecutorEvents {
  /** A task was accepted by `submitAsync` (it may start at once, right after); `task.submittedAt` is set. */
  taskQueued: { task: AsyncTask<unknown> };
  /** A task from `submitAsync` took a slot and its work is about to be called (its status is still 'pending'). */
  taskStart: { task: AsyncTask<unknown> };
  /** A task from `submitAsync` settled (its status is final; its work may still be winding down). */
  taskSettled: { task: AsyncTask<unknown>; status: 'fulfilled' | 'rejected' | 'cancelled' };
  /** `shutdown()` was called (each call emits once). */
  shutdown: { cancelPending: boolean; wait: boolean };
}

/** Checks `submitAsync`'s options: the task's priority, and the options its task is made with. @internal */
export function readSubmitOptions(
  options: SubmitOptions,
  clock: Clock,
): { priority: number; task: AsyncTaskOptions } {
  assertObject('submitAsync options', options);
  return {
    priority: finiteOption('submitAsync options.priority', options.priority, 0),
    task: {
      name: stringOption('submitAsync options.name', options.name),
      timeout: timeoutOption('submitAsync options.timeout', options.timeout),
      signal: signalOption('submitAsync options.signal', options.signal),
      clock,
    },
  };
}
