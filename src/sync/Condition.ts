import type { Clock } from '../core/Clock.js';
import { TimeoutError } from '../core/errors.js';
import { linkSignal } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import {
  assertFunction,
  clockOption,
  describe,
  integerOption,
  optionsBag,
  waitOptions,
} from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { Lock } from './Lock.js';
import type { Permit } from './PermitCore.js';

/** Options of {@link Condition}. */
export interface ConditionOptions extends ClockOptions {}

/**
 * A condition variable (asyncio.Condition): tasks holding its lock wait until another task changes shared
 * state and calls `notify()`. It wraps a {@link Lock} (a new one unless you pass one) and offers the lock's
 * methods: `acquire()`, `release()`, `tryAcquire()`, `locked`, `run()`.
 *
 * `wait()` releases the lock, sleeps until notified, then takes the lock back, and always holds the lock again
 * before it settles, whether it resolves or rejects. Notified waiters are woken in FIFO order.
 *
 * Abort and timeout: they cover the whole wait, including the time spent retaking the lock after a
 * `notify()`. Until the wait settles, an abort rejects it with `signal.reason` and a timeout with
 * `TimeoutError` (after the lock is retaken); a wake-up it had already received passes to the next waiter, so
 * no `notify()` is lost to a cancelled task.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * const items: string[] = [];
 * async function consume() {
 *   return cond.run(async () => {
 *     await cond.waitFor(() => items.length > 0, { timeout: 5000 });
 *     return items.shift();
 *   });
 * }
 * async function produce(item: string) {
 *   await cond.run(() => {
 *     items.push(item);
 *     cond.notify();
 *   });
 * }
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new WaitList<void>();
  readonly #clock: Clock;

  /**
   * @param lock The lock to wrap. @default a new {@link Lock}
   * @throws TypeError if `lock` is not a Ferris `Lock` or an option has the wrong type.
   */
  constructor(lock?: Lock, options?: ConditionOptions) {
    if (lock !== undefined && !(lock instanceof Lock))
      throw new TypeError(`Condition lock must be a Lock, got ${describe(lock)}.`);
    const o = optionsBag('Condition options', options);
    this.#clock = clockOption('Condition options.clock', o.clock);
    this.#lock = lock ?? new Lock({ clock: this.#clock });
  }

  /** Waits for the lock; see {@link Lock.acquire}. */
  acquire(options?: WaitOptions): Promise<Permit> {
    return this.#lock.acquire(options);
  }

  /** Takes the lock if it is free; see {@link Lock.tryAcquire}. */
  tryAcquire(): boolean {
    return this.#lock.tryAcquire();
  }

  /** Releases the lock; see {@link Lock.release}. @throws Error if the lock is not held. */
  release(): void {
    this.#lock.release();
  }

  /** Holds the lock around `fn(signal)`; see {@link Lock.run}. */
  run<T>(fn: Work<T>, options?: WaitOptions): Promise<T> {
    return this.#lock.run(fn, options);
  }

  /** True when the lock is held. */
  get locked(): boolean {
    return this.#lock.locked;
  }

  /**
   * Releases the lock, waits for a `notify()`, retakes the lock and resolves to `true`. Call it with the lock
   * held, usually in a loop that rechecks the state (or use {@link waitFor}).
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with an `Error` (at once,
   *   the lock untouched) if the lock is not held; with `signal.reason` on abort and `TimeoutError` after
   *   `timeout` ms, in both cases holding the lock again.
   */
  wait(options?: WaitOptions): Promise<true> {
    const o = waitOptions('Condition.wait', options);
    if (!this.#lock.locked)
      return Promise.reject(new Error('Condition.wait() needs the lock: acquire it before waiting.'));
    const signal = o?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeout = o?.timeout ?? Number.POSITIVE_INFINITY;
    return this.#wait(signal, timeout, this.#deadline(timeout));
  }

  /**
   * Waits until `predicate()` returns a truthy value and resolves to that value. The predicate is checked first,
   * at once: if it already holds, its value is returned whether or not the lock is held (as asyncio's
   * `wait_for` does). Otherwise it is called again after every wake-up, with the lock held. `timeout` is a
   * deadline for the whole call.
   * @throws TypeError (synchronously) if `predicate` is not a function, or for bad options. Rejects as
   *   {@link wait} does (an `Error` if it has to wait without the lock), or with the predicate's error.
   */
  waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    assertFunction('Condition.waitFor predicate', predicate);
    const o = waitOptions('Condition.waitFor', options);
    const timeout = o?.timeout ?? Number.POSITIVE_INFINITY;
    return this.#waitFor(predicate, o?.signal, timeout, this.#deadline(timeout));
  }

  /**
   * Wakes up to `n` waiters, longest first. They run once they retake the lock, after the caller releases it.
   * @param n How many to wake: an integer >= 0 or `Infinity`. @default 1
   * @throws Error if the lock is not held; TypeError/RangeError for a bad `n`.
   */
  notify(n = 1): void {
    const count = integerOption('Condition.notify n', n, 1, 0, true);
    if (!this.#lock.locked)
      throw new Error('Condition.notify() needs the lock: acquire it before notifying.');
    for (let i = 0; i < count && this.#waiters.grant(undefined); i++);
  }

  /** Wakes every waiter. @throws Error if the lock is not held. */
  notifyAll(): void {
    this.notify(Number.POSITIVE_INFINITY);
  }

  #deadline(timeout: number): number {
    return timeout === Number.POSITIVE_INFINITY ? timeout : this.#clock.now() + timeout;
  }

  async #waitFor<T>(
    predicate: () => T,
    signal: AbortSignal | undefined,
    timeout: number,
    deadline: number,
  ): Promise<T> {
    for (;;) {
      const value = predicate();
      if (value) return value;
      // Only the first check can find the lock free: every wait below retakes it before returning.
      if (!this.#lock.locked)
        throw new Error('Condition.waitFor() needs the lock: acquire it before waiting.');
      if (signal?.aborted) throw signal.reason;
      await this.#wait(signal, timeout, deadline);
    }
  }

  /** The two phases of a wait: parked until notified, then retaking the lock. The lock is held on entry. */
  async #wait(signal: AbortSignal | undefined, timeout: number, deadline: number): Promise<true> {
    const remaining = () => (deadline === Number.POSITIVE_INFINITY ? deadline : deadline - this.#clock.now());
    const notified = this.#waiters.wait({ signal, timeout: remaining() }, this.#clock, undefined);
    this.#lock.release();
    try {
      await notified;
    } catch (error) {
      // Not notified, so there is no wake-up to pass on; the lock is still ours to retake first.
      await this.#lock.acquire();
      throw error instanceof TimeoutError ? new TimeoutError(undefined, { timeout }) : error;
    }
    // Notified. Retaking the lock cannot be cancelled, but an abort or timeout meanwhile still fails the wait:
    // the scope watches both while the lock is retaken, and records which came first.
    const scope = linkSignal(signal, {
      timeout: remaining(),
      clock: this.#clock,
      timeoutReason: () => new TimeoutError(undefined, { timeout }),
    });
    try {
      await this.#lock.acquire();
    } finally {
      scope.dispose();
    }
    if (!scope.aborted) return true;
    this.#waiters.grant(undefined);
    throw scope.reason;
  }
}
