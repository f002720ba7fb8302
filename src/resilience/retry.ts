import { captureContext, runInContext } from '../core/context.js';
import { RetryError } from '../core/errors.js';
import { linkSignal, neverAborts, type SignalScope } from '../core/signals.js';
import type { ClockOptions } from '../core/types.js';
import {
  assertFunction,
  clockOption,
  functionOption,
  integerOption,
  isThenable,
  optionsBag,
  signalOption,
} from '../core/validate.js';
import { type BackoffOptions, backoffPolicy, nextDelay } from './backoff.js';

/** The work `retry` calls: it receives the caller's signal and the attempt number, 1 for the first call. */
export type RetryWork<T> = (signal: AbortSignal, attempt: number) => T | PromiseLike<T>;

/** Options of {@link retry}. */
export interface RetryOptions extends ClockOptions {
  /** How many calls at most, the first included: an integer >= 1 or `Infinity`. @default 3 */
  attempts?: number | undefined;
  /** The delays between attempts (ms). @default { initial: 100, max: 30000, factor: 2, jitter: 'full' } */
  backoff?: BackoffOptions | undefined;
  /**
   * Whether the error of failed attempt `attempt` is worth another call. When it returns false the error is
   * rethrown as itself, not wrapped. @default every error is retried
   */
  retryIf?: ((error: unknown, attempt: number) => boolean) | undefined;
  /** Called before each wait with the error, the number of the attempt that failed and the delay (ms) ahead. */
  onRetry?: ((error: unknown, attempt: number, delay: number) => void) | undefined;
  /** Stops retrying: the call rejects at once with `signal.reason`; the running attempt sees the same signal. */
  signal?: AbortSignal | undefined;
  /** The source of jitter, returning a number in [0, 1); inject one in tests. @default Math.random */
  random?: (() => number) | undefined;
}

/** The defaults of {@link RetryOptions} (`backoff` has its own: `DEFAULT_BACKOFF`). */
const DEFAULT_RETRY = Object.freeze({
  /** Calls at most, the first included. */
  attempts: 3,
  /** The source of jitter: numbers in [0, 1). Read at each call, so a stubbed `Math.random` is seen. */
  random: (): number => Math.random(),
});

/**
 * Calls `fn(signal, attempt)` until it succeeds, waiting with exponential backoff and jitter between attempts
 * (the guides' retry with backoff). `attempts` counts calls, the first included. Resolves with the first
 * success.
 *
 * Aborting `signal` rejects at once with `signal.reason`: during a wait no further call is made; during a call
 * the call sees its signal abort and whatever it produces afterwards is dropped. Nothing is left scheduled once
 * the returned promise settles.
 * @throws {RetryError} (as a rejection) when every attempt failed: `errors` lists each attempt's error in order
 * and `cause` is the last. An error that `retryIf` rejects is rethrown as itself; an error thrown by `retryIf`
 * or `onRetry` rejects the call with that error.
 * @throws TypeError or RangeError (synchronously) for bad arguments, naming the option.
 * @example
 * ```ts
 * const body = await retry((signal) => fetch(url, { signal }).then((r) => r.json()), {
 *   attempts: 5,
 *   backoff: { initial: 200, jitter: 'equal' },
 *   retryIf: (error) => !(error instanceof TypeError),
 * });
 * ```
 */
export function retry<T>(fn: RetryWork<T>, options?: RetryOptions): Promise<Awaited<T>> {
  assertFunction('retry fn', fn);
  const o = optionsBag('retry options', options);
  const attempts = integerOption('retry options.attempts', o.attempts, DEFAULT_RETRY.attempts, 1, true);
  const policy = backoffPolicy(o.backoff, 'retry options.backoff');
  const retryIf = functionOption<NonNullable<RetryOptions['retryIf']>>('retry options.retryIf', o.retryIf);
  const onRetry = functionOption<NonNullable<RetryOptions['onRetry']>>('retry options.onRetry', o.onRetry);
  const signal = signalOption('retry options.signal', o.signal);
  const clock = clockOption('retry options.clock', o.clock);
  const random = functionOption<() => number>('retry options.random', o.random) ?? DEFAULT_RETRY.random;
  if (signal?.aborted) return Promise.reject(signal.reason);

  const callSignal = signal ?? neverAborts;
  const context = captureContext();
  return new Promise<Awaited<T>>((resolve, reject) => {
    const errors: unknown[] = [];
    let previousDelay: number | undefined;
    /** The wait before the next attempt, while one is scheduled. */
    let pause: SignalScope | undefined;
    const endPause = (): void => {
      pause?.dispose();
      pause = undefined;
    };
    // The call's cancel scope: an abort of `signal` rejects at once, whatever phase the call is in.
    const scope = linkSignal(signal, {
      onAbort: (reason) => {
        endPause();
        reject(reason);
      },
    });

    const finish = (): boolean => {
      if (!scope.open) return false;
      scope.dispose();
      endPause();
      return true;
    };
    const fail = (error: unknown): void => {
      if (finish()) reject(error);
    };

    /** Decides what follows failed attempt `attempt`: a delay before the next call, or an error to reject with. */
    const next = (attempt: number, error: unknown): { delay: number } | { error: unknown } => {
      try {
        if (retryIf !== undefined && !retryIf(error, attempt)) return { error };
        if (attempt >= attempts) return { error: new RetryError(errors) };
        const delay = nextDelay(attempt, policy, previousDelay, random);
        previousDelay = delay;
        onRetry?.(error, attempt, delay);
        return { delay };
      } catch (thrown) {
        return { error: thrown };
      }
    };

    const failed = (attempt: number, error: unknown): void => {
      if (!scope.open) return;
      errors.push(error);
      const step = next(attempt, error);
      if ('error' in step) {
        fail(step.error);
        return;
      }
      // onRetry may have aborted the signal, which already settled the call.
      if (!scope.open) return;
      // The pause is a scope of its own that only its delay ends; finish() disposes it on abort.
      pause = linkSignal(undefined, {
        timeout: step.delay,
        clock,
        timeoutReason: () => pauseOver,
        onAbort: () => {
          pause = undefined;
          runInContext(context, call, attempt + 1);
        },
      });
    };

    const call = (attempt: number): void => {
      let out: T | PromiseLike<T>;
      try {
        out = fn(callSignal, attempt);
      } catch (error) {
        failed(attempt, error);
        return;
      }
      if (!isThenable(out)) {
        if (finish()) resolve(out as Awaited<T>);
        return;
      }
      // Both handlers check the scope: after an abort the attempt's outcome is dropped, and handled.
      Promise.resolve(out).then(
        (value) => {
          if (finish()) resolve(value as Awaited<T>);
        },
        (error: unknown) => failed(attempt, error),
      );
    };

    call(1);
  });
}

/** How a retry's pause ends when its delay is up; never seen outside this file. */
const pauseOver = Symbol('pause over');
