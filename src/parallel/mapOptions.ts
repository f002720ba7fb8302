import type { Clock } from '../core/Clock.js';
import type { MapLimiter, MapProgress } from '../core/types.js';
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
import type { AsyncParallelMapOptions } from './asyncParallelMap.js';

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
      Number.POSITIVE_INFINITY,
    ),
    signal: signalOption(`${name} options.signal`, o.signal),
    stopOnError: booleanOption(`${name} options.stopOnError`, o.stopOnError, true),
    timeout: timeoutOption(`${name} options.timeout`, o.timeout),
    limiter: limiterOption(`${name} options.limiter`, o.limiter),
    onError: functionOption(`${name} options.onError`, o.onError),
    onProgress: functionOption(`${name} options.onProgress`, o.onProgress),
    clock: clockOption(`${name} options.clock`, o.clock),
  };
}
