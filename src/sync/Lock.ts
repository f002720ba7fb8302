import { neverAborts } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, optionsBag, waitOptions } from '../core/validate.js';
import { type Permit, PermitCore } from './PermitCore.js';

/** Options of {@link Lock}. */
export interface LockOptions extends ClockOptions {}

/** A plain snapshot of a {@link Lock}, from `stats()`. */
export interface LockStats {
  /** Whether the lock is held. */
  locked: boolean;
  /** Callers parked in `acquire()`. */
  waiting: number;
}

/**
 * A mutual-exclusion lock (asyncio.Lock): one holder at a time, waiters served first come, first served, and
 * no barging: a release hands the lock straight to the longest waiter.
 *
 * It has the shape of a one-permit {@link Semaphore}: `acquire()` resolves to a {@link Permit} (dispose it, or
 * call `permit.release()`, once), `release()` releases it anonymously, `tryAcquire()` never waits and
 * `run(fn)` holds the lock around `fn`. The lock has no owner: any code may release it, as in asyncio.
 *
 * Abort and timeout: a waiter whose `signal` aborts rejects with `signal.reason` and leaves the queue at once
 * (also when the lock is free, if the signal was already aborted); one whose `timeout` passes rejects with
 * `TimeoutError`. Once a waiter has been granted the lock, a later abort is ignored and the wait resolves.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * let balance = 100;
 * async function withdraw(amount: number) {
 *   using _held = await lock.acquire();
 *   const current = balance;
 *   await new Promise((resolve) => setTimeout(resolve, 10));
 *   balance = current - amount;
 * }
 * await Promise.all([withdraw(10), withdraw(20)]); // balance === 70
 * ```
 */
export class Lock {
  readonly #core: PermitCore;

  /** @throws TypeError if an option has the wrong type. */
  constructor(options?: LockOptions) {
    const o = optionsBag('Lock options', options);
    this.#core = new PermitCore(
      1,
      clockOption('Lock options.clock', o.clock),
      () => new Error('Lock.release() was called on a lock that is not held; acquire it before releasing.'),
    );
  }

  /**
   * Waits for the lock, FIFO. Resolves to a {@link Permit} that releases it once.
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with `signal.reason` on
   *   abort (at once if already aborted) and with `TimeoutError` after `timeout` ms.
   */
  acquire(options?: WaitOptions): Promise<Permit> {
    return this.#core.acquire(waitOptions('Lock.acquire', options));
  }

  /** Takes the lock if it is free and nobody is waiting; never waits. Give it back with `release()`. */
  tryAcquire(): boolean {
    return this.#core.tryAcquire();
  }

  /**
   * Releases the lock, handing it to the longest waiter if there is one.
   * @throws Error if the lock is not held (also when its {@link Permit} already released it).
   */
  release(): void {
    this.#core.release();
  }

  /**
   * Acquires the lock, runs `fn(signal)` and always releases it, whether `fn` returns, throws or rejects.
   * `signal` is the `signal` option (a signal that never aborts if none was given).
   * @throws TypeError (synchronously) if `fn` is not a function. Rejects as `acquire()` does, or with `fn`'s error.
   */
  run<T>(fn: Work<T>, options?: WaitOptions): Promise<T> {
    assertFunction('Lock.run fn', fn);
    const o = waitOptions('Lock.run', options);
    return this.#core.run(fn, o, o?.signal ?? neverAborts);
  }

  /** True when the lock is held (then `acquire()` would wait). */
  get locked(): boolean {
    return this.#core.locked;
  }

  /** A fresh plain snapshot. */
  stats(): LockStats {
    return { locked: this.#core.locked, waiting: this.#core.waiters.size };
  }
}
