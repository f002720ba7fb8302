import type { ItemWork, Source } from '../core/types.js';
import { MapRun } from './MapRun.js';
import { type AsyncParallelMapOptions, readMapOptions } from './mapOptions.js';

/** Options of {@link asyncParallelFilter}: the same as the map's. */
export type AsyncParallelFilterOptions<T> = AsyncParallelMapOptions<T>;

/**
 * Keeps the items whose `predicate(item, index, signal)` result is truthy, in input order (PyFerris
 * `async_parallel_filter`). It runs on the map's machinery, so concurrency, lazy pulling, cancellation,
 * `timeout`, `limiter`, `onError` and `stopOnError` behave exactly as in {@link asyncParallelMap}.
 *
 * @throws TypeError (synchronously) if `predicate` is not a function, `items` is not iterable or an option has
 * the wrong type; RangeError if `maxConcurrent` is not an integer >= 1 or `Infinity`, or `timeout` is NaN.
 * @returns A promise of the kept items. It rejects as {@link asyncParallelMap} does.
 * @example
 * ```ts
 * const alive = await asyncParallelFilter(
 *   async (host, _i, signal) => (await fetch(`https://${host}/health`, { signal })).ok,
 *   hosts,
 *   { maxConcurrent: 4 },
 * );
 * ```
 */
export function asyncParallelFilter<T>(
  predicate: ItemWork<T, unknown>,
  items: Source<T>,
  options?: AsyncParallelFilterOptions<T>,
): Promise<T[]> {
  const config = readMapOptions('asyncParallelFilter', predicate, items, options);
  if (config.signal?.aborted) return Promise.reject(config.signal.reason);
  const run = new MapRun(predicate, items, config, true);
  return run.start().then((verdicts) => {
    const pulled = (Array.isArray(items) ? items : run.seen!) as ArrayLike<T>;
    const kept: T[] = [];
    for (let i = 0; i < verdicts.length; i++) if (verdicts[i]) kept.push(pulled[i] as T);
    return kept;
  });
}
