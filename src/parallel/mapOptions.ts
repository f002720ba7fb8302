import type { Clock } from '../core/Clock.js';
import {
  assertFunction,
  assertSource,
  clockOption,
  concurrencyOption,
  describe,
  optionsBag,
  signalOption,
  timeoutOption,
} from '../core/validate.js';
import type { AsyncParallelMapOptions, MapLimiter } from './asyncParallelMap.js';

/** The checked options of one map call. @internal */
export interface MapConfig<T> {
  maxConcurrent: number;
  signal: AbortSignal | undefined;
  stopOnError: boolean;
  timeout: number;
  limiter: MapLimiter | undefined;
  onError: ((error: unknown, item: T, index: number) => void) | undefined;
  clock: Clock;
}

/** Checks a map's arguments once, synchronously; `name` prefixes every message. @internal */
export function readMapOptions<T>(
  name: string,
  fn: unknown,
  items: unknown,
  options: AsyncParallelMapOptions<T> | undefined,
): MapConfig<T> {
  assertFunction(`${name} fn`, fn);
  assertSource(`${name} items`, items);
  const o = optionsBag(`${name} options`, options);
  const stopOnError = o.stopOnError ?? true;
  if (typeof stopOnError !== 'boolean')
    throw new TypeError(`${name} options.stopOnError must be a boolean, got ${describe(stopOnError)}.`);
  const limiter = o.limiter;
  if (
    limiter !== undefined &&
    (limiter === null || typeof limiter !== 'object' || typeof limiter.acquire !== 'function')
  )
    throw new TypeError(
      `${name} options.limiter must be an object with acquire(tokens, options), got ${describe(limiter)}.`,
    );
  if (o.onError !== undefined) assertFunction(`${name} options.onError`, o.onError);
  return {
    maxConcurrent: concurrencyOption(
      `${name} options.maxConcurrent`,
      o.maxConcurrent,
      Number.POSITIVE_INFINITY,
    ),
    signal: signalOption(`${name} options.signal`, o.signal),
    stopOnError,
    timeout: timeoutOption(`${name} options.timeout`, o.timeout),
    limiter,
    onError: o.onError,
    clock: clockOption(`${name} options.clock`, o.clock),
  };
}
