import type { ClockOptions, ItemWork, MapLimiter, MapProgress, Source } from '../core/types.js';
import { MapRun } from './MapRun.js';
import { readMapOptions } from './mapOptions.js';

/** Options of {@link asyncParallelMap} (and {@link asyncParallelFilter}). */
export interface AsyncParallelMapOptions<T> extends ClockOptions {
  /**
   * How many items run at once: an integer >= 1 or `Infinity`. Items are pulled from the input only as slots
   * free up. @default Infinity (unbounded, as PyFerris)
   */
  maxConcurrent?: number | undefined;
  /** Aborts the map: nothing new starts, the items' signal aborts with `signal.reason`, and the map rejects with it once the running items settled. */
  signal?: AbortSignal | undefined;
  /**
   * `true`: the first error rejects the map and cancels the rest. `false`: every item runs, and the map
   * rejects with an `AggregateError` of every error, in input order. @default true
   */
  stopOnError?: boolean | undefined;
  /** Milliseconds for the whole call; then it stops as on abort and rejects with `TimeoutError`. @default Infinity (none) */
  timeout?: number | undefined;
  /** Each item waits for one token of this limiter (e.g. a `RateLimiter`) before it starts. @default none */
  limiter?: MapLimiter | undefined;
  /**
   * Called with every error of an item (the first included, cancellations of stopped siblings excluded) as it
   * happens, before the map settles. Errors of the input itself are not items' errors and are not reported
   * here. An error thrown by `onError` rejects the map. @default none
   */
  onError?: ((error: unknown, item: T, index: number) => void) | undefined;
  /**
   * Called each time an item settles (fulfilled, failed or cancelled), with the counts so far and `total`
   * once the number of items is known; the hook progress bars use. An error it throws is reported as an
   * uncaught exception, not as the map's. @default none
   */
  onProgress?: ((progress: MapProgress) => void) | undefined;
}

/**
 * Calls `fn(item, index, signal)` for every item, at most `maxConcurrent` at a time, and resolves to the results
 * in input order (PyFerris `async_parallel_map`). `items` may be an Iterable or an AsyncIterable; it is pulled
 * only as slots free up, so at most `maxConcurrent` items are pulled but not yet started.
 *
 * The map is structured: it settles only after every call of `fn` it started has settled. On the first error
 * (with `stopOnError: true`) it starts nothing new, aborts the other items' signal with a `CancelledError`
 * whose `cause` is that error, and rejects with the error itself. Errors the cancelled items report because of
 * that abort are not failures. An input that throws rejects the map with its error the same way.
 *
 * @throws TypeError (synchronously) if `fn` is not a function, `items` is not iterable or an option has the
 * wrong type; RangeError if `maxConcurrent` is not an integer >= 1 or `Infinity`, or `timeout` is NaN.
 * @returns A promise of the results in input order. It rejects with the first error; with `signal.reason`
 * when `signal` aborts; with `TimeoutError` when `timeout` passes; with an `AggregateError` of every error when
 * `stopOnError` is false.
 * @example
 * ```ts
 * const pages = await asyncParallelMap(
 *   async (url, _index, signal) => (await fetch(url, { signal })).text(),
 *   urls,
 *   { maxConcurrent: 8, timeout: 10_000 },
 * );
 * ```
 */
export function asyncParallelMap<T, R>(
  fn: ItemWork<T, R>,
  items: Source<T>,
  options?: AsyncParallelMapOptions<T>,
): Promise<R[]> {
  const config = readMapOptions('asyncParallelMap', fn, items, options);
  if (config.signal?.aborted) return Promise.reject(config.signal.reason);
  return new MapRun(fn, items, config, false).start();
}
