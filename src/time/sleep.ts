import type { ClockOptions } from '../core/types.js';
import { clockOption, optionsBag, signalOption, timeoutOption } from '../core/validate.js';

/** Options of {@link sleep}. */
export interface SleepOptions extends ClockOptions {
  /** Cuts the sleep short: it rejects at once with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/**
 * Resolves after `ms` milliseconds (asyncio.sleep). 0 or less resolves on the next macrotask; `Infinity`
 * never resolves unless aborted.
 * @throws RangeError if `ms` is NaN; TypeError if it is not a number.
 * @example
 * ```ts
 * await sleep(100);
 * await sleep(5000, { signal: AbortSignal.timeout(50) }).catch(() => 'woken early');
 * ```
 */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  const delay = timeoutOption('sleep ms', ms);
  const o = optionsBag('sleep options', options);
  const signal = signalOption('sleep options.signal', o.signal);
  const clock = clockOption('sleep options.clock', o.clock);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let onAbort: (() => void) | undefined;
    const timer = clock.setTimeout(() => {
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    if (signal !== undefined) {
      onAbort = () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
