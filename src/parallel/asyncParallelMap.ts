import type { ItemWork, Source } from '../core/types.js';
import { MapRun } from './MapRun.js';
import { type AsyncParallelMapOptions, readMapOptions } from './mapOptions.js';

export type { AsyncParallelMapOptions } from './mapOptions.js';

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
