import type { Clock } from '../core/Clock.js';
import type { MapLimiter } from '../core/types.js';
import {
  assertFunction,
  assertSource,
  booleanOption,
  clockOption,
  concurrencyOption,
  functionOption,
  limiterOption,
  optionsBag,
  signalOption,
  timeoutOption,
} from '../core/validate.js';
import type { AsyncParallelMapOptions } from './asyncParallelMap.js';

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
  return {
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
    clock: clockOption(`${name} options.clock`, o.clock),
  };
}
