import { neverAborts } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, integerOption, optionsBag, waitOptions } from '../core/validate.js';
import { type Permit, PermitCore } from './PermitCore.js';

export type { Permit } from './PermitCore.js';

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions extends ClockOptions {}

/** A plain snapshot of a {@link Semaphore}, from `stats()`. */
export interface SemaphoreStats {
  /** The number of permits the semaphore allows out at once. */
  capacity: number;
  /** Permits out now (granted and not yet released). Can exceed `capacity` for a while after it was lowered. */
  held: number;
  /** Permits free now: `max(0, capacity - held)`. */
  available: number;
  /** Callers parked in `acquire()`. */
  waiting: number;
}

function capacityOf(where: string, value: unknown): number {
  if (value === undefined) throw new TypeError(`${where} must be a number, got undefined.`);
  return integerOption(where, value, 0, 0, true);
}

/**
 * A bounded counting semaphore (asyncio.BoundedSemaphore): at most `permits` holders at once, served first
 * come, first served. A release hands its permit straight to the longest waiter, so a newcomer never takes it
 * first (no barging), and `tryAcquire()` fails while anyone waits.
 *
 * `acquire()` resolves to a {@link Permit}: dispose it (`using permit = await sem.acquire()`) or call
 * `permit.release()`; a permit releases once, however often it is disposed. `sem.release()` returns an
 * anonymous permit instead (for `tryAcquire()`). Releasing more than was acquired, counting both kinds, throws.
 *
 * Abort and timeout: a waiter whose `signal` aborts rejects with `signal.reason` and leaves the queue at once;
 * one whose `timeout` passes rejects with `TimeoutError`. An aborted signal rejects even when a permit is free.
 * Once a waiter has been granted its permit, a later abort is ignored: the wait resolves and the permit is its.
 *
 * `new Semaphore(0)` is valid: nobody enters until `capacity` is raised (being bounded, it has no permit to
 * `release()`). `new Semaphore(Infinity)` never blocks.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(10);
 * async function fetchOne(url: string) {
 *   using _permit = await sem.acquire({ timeout: 5000 });
 *   return fetch(url);
 * }
 * const body = await sem.run((signal) => fetch('https://example.com', { signal }), { signal: AbortSignal.timeout(1000) });
 * ```
 */
export class Semaphore {
  readonly #core: PermitCore;

  /**
   * @param permits How many holders may be inside at once: an integer >= 0, or `Infinity`.
   * @throws TypeError if `permits` is not a number or an option has the wrong type; RangeError if `permits` is
   *   negative, NaN or not an integer.
   */
  constructor(permits: number, options?: SemaphoreOptions) {
    const capacity = capacityOf('Semaphore permits', permits);
    const o = optionsBag('Semaphore options', options);
    this.#core = new PermitCore(
      capacity,
      clockOption('Semaphore options.clock', o.clock),
      () =>
        new RangeError(
          `Semaphore.release() was called more times than permits were acquired (capacity ${this.#core.capacity}, none held): an over-release.`,
        ),
    );
  }

  /**
   * Waits for a permit, FIFO. Resolves to a {@link Permit} that releases it once.
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with `signal.reason` on
   *   abort (at once if already aborted) and with `TimeoutError` after `timeout` ms.
   */
  acquire(options?: WaitOptions): Promise<Permit> {
    return this.#core.acquire(waitOptions('Semaphore.acquire', options));
  }

  /** Takes a permit if one is free and nobody is waiting; never waits. Give it back with `release()`. */
  tryAcquire(): boolean {
    return this.#core.tryAcquire();
  }

  /**
   * Releases one anonymous permit (one taken by `tryAcquire()`, or one whose {@link Permit} you drop), waking
   * the longest waiter.
   * @throws RangeError on an over-release: no permit is held (a permit already released through its
   *   {@link Permit} counts as released).
   */
  release(): void {
    this.#core.release();
  }

  /**
   * Acquires a permit, runs `fn(signal)` and always releases the permit, whether `fn` returns, throws or rejects.
   * `signal` is the `signal` option (a signal that never aborts if none was given): the work should honour it.
   * @throws TypeError (synchronously) if `fn` is not a function. Rejects as `acquire()` does, or with `fn`'s error.
   */
  run<T>(fn: Work<T>, options?: WaitOptions): Promise<T> {
    assertFunction('Semaphore.run fn', fn);
    const o = waitOptions('Semaphore.run', options);
    return this.#core.run(fn, o, o?.signal ?? neverAborts);
  }

  /** True when `acquire()` would wait: no permit is free, or callers are already waiting. */
  get locked(): boolean {
    return this.#core.locked;
  }

  /** Permits free now: `max(0, capacity - held)`. */
  get available(): number {
    return this.#core.available;
  }

  /**
   * The number of permits allowed out at once. Setting it takes effect at once: a larger capacity wakes
   * waiters; a smaller one below the held count makes new acquires wait until enough permits are released.
   * @throws TypeError/RangeError when set to anything but an integer >= 0 or `Infinity`.
   */
  get capacity(): number {
    return this.#core.capacity;
  }

  set capacity(value: number) {
    this.#core.capacity = capacityOf('Semaphore capacity', value);
    this.#core.wake();
  }

  /** A fresh plain snapshot of the semaphore's counts. */
  stats(): SemaphoreStats {
    const core = this.#core;
    return {
      capacity: core.capacity,
      held: core.held,
      available: core.available,
      waiting: core.waiters.size,
    };
  }
}
