import type { Clock } from '../core/Clock.js';
import type { ClockOptions, MapLimiter, MapProgress } from '../core/types.js';
import {
  assertFunction,
  assertSource,
  booleanOption,
  clockOption,
  concurrencyOption,
  describe,
  functionOption,
  limiterOption,
  optionsBag,
  signalOption,
  timeoutOption,
} from '../core/validate.js';

/** The defaults of the maps' options (`asyncParallelMap`, `asyncParallelFilter`, `mapAsync`). */
export const DEFAULT_MAP = Object.freeze({
  /** Items running at once: unbounded, as PyFerris's maps are. */
  maxConcurrent: Number.POSITIVE_INFINITY,
  /** The first error rejects the call and cancels the rest. */
  stopOnError: true,
});

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
   * once the number of items is known (and once more if it becomes known after the last item settled); the
   * hook progress bars use. An error it throws stops the map and rejects it with that error, as `onError`'s
   * does. @default none
   */
  onProgress?: ((progress: MapProgress) => void) | undefined;
}

/** The checked options of one map call. @internal */
export interface MapConfig<T> {
  /** The entry point's name, for messages. */
  name: string;
  maxConcurrent: number;
  signal: AbortSignal | undefined;
  stopOnError: boolean;
  timeout: number;
  limiter: MapLimiter | undefined;
  onError: ((error: unknown, item: T, index: number) => void) | undefined;
  onProgress: ((progress: MapProgress) => void) | undefined;
  clock: Clock;
}

/**
 * Checks a map's arguments once, synchronously; `name` prefixes every message. `bounded: false` (mapAsync)
 * refuses `maxConcurrent`, which the executor's bound replaces. @internal
 */
export function readMapOptions<T>(
  name: string,
  fn: unknown,
  items: unknown,
  options: AsyncParallelMapOptions<T> | undefined,
  bounded = true,
): MapConfig<T> {
  assertFunction(`${name} fn`, fn);
  assertSource(`${name} items`, items);
  const o = optionsBag(`${name} options`, options);
  if (!bounded && o.maxConcurrent !== undefined)
    throw new TypeError(
      `${name} options.maxConcurrent is not an option here (the executor's maxWorkers bounds the items), got ${describe(o.maxConcurrent)}.`,
    );
  return {
    name,
    maxConcurrent: concurrencyOption(
      `${name} options.maxConcurrent`,
      o.maxConcurrent,
      DEFAULT_MAP.maxConcurrent,
    ),
    signal: signalOption(`${name} options.signal`, o.signal),
    stopOnError: booleanOption(`${name} options.stopOnError`, o.stopOnError, DEFAULT_MAP.stopOnError),
    timeout: timeoutOption(`${name} options.timeout`, o.timeout),
    limiter: limiterOption(`${name} options.limiter`, o.limiter),
    onError: functionOption(`${name} options.onError`, o.onError),
    onProgress: functionOption(`${name} options.onProgress`, o.onProgress),
    clock: clockOption(`${name} options.clock`, o.clock),
  };
}
