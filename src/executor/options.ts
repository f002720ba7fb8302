import type { ClockOptions, MapLimiter } from '../core/types.js';

import type { AsyncTask } from '../task/AsyncTask.js';

/* The public option, stats and event shapes of AsyncExecutor (kept here so the class file stays readable). */

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions extends ClockOptions {
  /** How many tasks run at once: an integer >= 1 or `Infinity`. @default 10 */
  maxWorkers?: number | undefined;
  /** A label for logs. @default "Executor-<n>" */
  name?: string | undefined;
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

/** Options of {@link AsyncExecutor.mapAsync}: those of `asyncParallelMap` except `maxConcurrent`. */
export interface MapAsyncOptions<T = unknown> {
  /** Aborts every item and rejects the call with `signal.reason`, once in-flight items have settled. */
  signal?: AbortSignal | undefined;
  /** Reject on the first error (aborting the other items); with `false`, run everything and reject with an `AggregateError`. @default true */
  stopOnError?: boolean | undefined;
  /** Milliseconds for the whole call; then the items abort and it rejects with `TimeoutError`. @default Infinity */
  timeout?: number | undefined;
  /** Called for every non-cancellation error as it happens, before the call settles. */
  onError?: ((error: unknown, item: T, index: number) => void) | undefined;
  /** Anything with `acquire(tokens, { signal })`, such as a `RateLimiter`: each item waits for one token. */
  limiter?: MapLimiter | undefined;
}

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
}

/** Events of {@link AsyncExecutor}, subscribed with `executor.on(event, listener)`. */
export interface AsyncExecutorEvents {
  /** A task from `submitAsync` took a slot and its work is about to be called (its status is still 'pending'). */
  taskStart: { task: AsyncTask<unknown> };
  /** A task from `submitAsync` settled (its status is final; its work may still be winding down). */
  taskSettled: { task: AsyncTask<unknown>; status: 'fulfilled' | 'rejected' | 'cancelled' };
  /** `shutdown()` was called (each call emits once). */
  shutdown: { cancelPending: boolean; wait: boolean };
}
