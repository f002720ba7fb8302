import type { Clock } from './Clock.js';

/** A unit of work: a function that receives the AbortSignal of its cancellation and returns a value or a promise. */
export type Work<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** Per-item work of the maps: called with the item, its index in the input and the item's signal. */
export type ItemWork<T, R> = (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>;

/** Input that maps accept and pull lazily. */
export type Source<T> = Iterable<T> | AsyncIterable<T>;

/** Options of every wait. */
export interface WaitOptions {
  /** Abort the wait: it rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before the wait rejects with `TimeoutError`. `Infinity` (the default) means none; 0 or less fires on the next macrotask. */
  timeout?: number | undefined;
}

/** Options of everything that schedules timers. */
export interface ClockOptions {
  /** Where time comes from; inject a `FakeClock` (from `ferris/testing`) in tests. @default systemClock */
  clock?: Clock | undefined;
}

/**
 * What the maps' and the executor's `limiter` option needs: anything with `acquire(tokens, { signal })`, such as
 * a `RateLimiter`. The caller calls `acquire(1, { signal })` before each item or task and starts it once the
 * result settles (a plain value counts as granted at once).
 */
export interface MapLimiter {
  /** Resolves when `tokens` may be spent; rejects with `signal.reason` when the signal aborts. */
  acquire(tokens: number, options: { signal: AbortSignal }): unknown;
}

/** What a map's `onProgress` hears as its items settle. */
export interface MapProgress {
  /** Items settled so far: fulfilled, failed or cancelled. */
  done: number;
  /** Items that failed so far (cancellations of a stopped map are not failures). */
  failed: number;
  /** How many items there are, once known: an array's length, or the count once the source ended. */
  total?: number;
}
