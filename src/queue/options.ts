import type { ClockOptions } from '../core/types.js';

/* The public option, stats and event shapes of Queue and its defaults (kept here so the class file stays readable). */

/** Options of {@link Queue} (and the base of the other queues' options). */
export interface QueueOptions extends ClockOptions {
  /** Most items the queue holds before `put()` waits: an integer >= 0; 0 or `Infinity` means unbounded. @default 0 */
  maxsize?: number | undefined;
}

/** Options of {@link Queue.shutdown}. */
export interface QueueShutdownOptions {
  /** Drop the queued items at once (each counted as done) and reject waiting getters now. @default false */
  immediate?: boolean | undefined;
}

/** A snapshot of a queue, returned fresh by {@link Queue.stats}. */
export interface QueueStats {
  /** Items in the queue. */
  size: number;
  /** The `maxsize` option as given (0 or `Infinity`: unbounded). */
  maxsize: number;
  /** Items put and not yet marked done by `taskDone()`. */
  unfinished: number;
  /** Callers waiting in `get()`. */
  getters: number;
  /** Callers waiting in `put()`. */
  putters: number;
}

/** The events of a {@link Queue}, each with its payload. */
export interface QueueEvents<T> {
  /** An item entered the queue (stored, or handed straight to a waiting getter). */
  put: { item: T };
  /** An item left the queue for a consumer. */
  get: { item: T };
  /** `shutdown()` was called; `dropped` counts the items an immediate shutdown removed. */
  shutdown: { immediate: boolean; dropped: number };
}

/** The defaults of {@link Queue}'s options. @internal */
export const DEFAULT_QUEUE = Object.freeze({
  /** Items held before `put()` waits (0: unbounded). */
  maxsize: 0,
  /** Whether `shutdown()` drops the queued items (a flag, no unit). */
  immediate: false,
});
