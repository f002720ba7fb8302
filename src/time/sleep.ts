import { linkSignal } from '../core/signals.js';
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
    // One cancel scope holds both the timer and the watch on `signal`: whichever fires first releases the other.
    linkSignal(signal, {
      timeout: delay,
      clock,
      timeoutReason: () => woke,
      onAbort: (reason) => (reason === woke ? resolve() : reject(reason)),
    });
  });
}

/** The reason the sleep's own scope ends with when the time is up: never seen outside this file. */
const woke = Symbol('woke');
