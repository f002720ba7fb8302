import { TimeoutError } from '../core/errors.js';
import { linkSignal } from '../core/signals.js';
import type { ClockOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, optionsBag, signalOption, timeoutOption } from '../core/validate.js';

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions<F> extends ClockOptions {
  /** Aborts the work and rejects at once with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** When present (even as `undefined`), the timeout resolves to this value instead of rejecting. */
  fallback?: F;
}

/**
 * Runs `fn(signal)` with a deadline (asyncio.wait_for). When `ms` pass first, the work's signal aborts with a
 * `TimeoutError` and the call rejects with it at once, never waiting for the work; with `fallback` it resolves
 * to that value instead (the guides' `with_timeout(coro, timeout, default)`). Whatever the work produces
 * afterwards is dropped, without an unhandled rejection. An early finish clears the timer.
 *
 * `ms <= 0` fires on the next macrotask: work that settled before then still wins. `Infinity` means no deadline.
 * @throws RangeError if `ms` is NaN; TypeError if `fn` is not a function.
 * @example
 * ```ts
 * const data = await withTimeout((signal) => fetch(url, { signal }), 2000);
 * const cached = await withTimeout(loadFresh, 50, { fallback: 'stale' });
 * ```
 */
export function withTimeout<T>(fn: Work<T>, ms: number): Promise<T>;
export function withTimeout<T, F = T>(
  fn: Work<T>,
  ms: number,
  options: WithTimeoutOptions<F>,
): Promise<T | F>;
export function withTimeout<T, F = T>(
  fn: Work<T>,
  ms: number,
  options?: WithTimeoutOptions<F>,
): Promise<T | F> {
  assertFunction('withTimeout fn', fn);
  const timeout = timeoutOption('withTimeout ms', ms);
  const o = optionsBag('withTimeout options', options);
  const signal = signalOption('withTimeout options.signal', o.signal);
  const clock = clockOption('withTimeout options.clock', o.clock);
  const hasFallback = options !== undefined && 'fallback' in options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<T | F>((resolve, reject) => {
    let timedOut = false;
    // The work's cancel scope: it aborts with `signal.reason` or, after `timeout` ms, with a TimeoutError,
    // and settles the call at once either way. Once the work settles first, the scope is disposed.
    const scope = linkSignal(signal, {
      timeout,
      clock,
      timeoutReason: () => {
        timedOut = true;
        return new TimeoutError(undefined, { timeout });
      },
      onAbort: (reason) => {
        if (timedOut && hasFallback) resolve(o.fallback as F);
        else reject(reason);
      },
    });
    const finish = (): boolean => {
      if (!scope.open) return false;
      scope.dispose();
      return true;
    };
    let out: T | PromiseLike<T>;
    try {
      out = fn(scope.signal);
    } catch (error) {
      if (finish()) reject(error);
      return;
    }
    Promise.resolve(out).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
