import type { Clock } from '../core/Clock.js';
import type { WaitOptions } from '../core/types.js';
import { WaitList } from '../core/WaitList.js';

/**
 * One acquired permit of a {@link Semaphore} or {@link Lock}. `release()` and `[Symbol.dispose]()` give it
 * back once; calling either again does nothing, so `using permit = await sem.acquire()` and an explicit
 * `permit.release()` inside the block do not release twice.
 */
export interface Permit extends Disposable {
  /** Gives the permit back, the first time only. @throws RangeError if the owner's permits were already released anonymously (an over-release). */
  release(): void;
  /** Whether this permit has been given back. */
  readonly released: boolean;
}

/**
 * The counting engine shared by Semaphore and Lock (they differ in their error for an over-release and in
 * whether the capacity can change).
 *
 * Invariants, after every public call returns:
 * - `held` counts permits out (granted and not yet released), whether through a {@link Permit} or anonymously;
 * - a waiter is parked only while no permit is free: `waiters.size > 0` implies `held >= capacity`. A release
 *   hands its permit straight to the first waiter, so a newcomer can never take it first (no barging);
 * - `available === max(0, capacity - held)`; a lowered capacity lets `held` exceed it until releases catch up.
 * @internal
 */
export class PermitCore {
  capacity: number;
  held = 0;
  readonly waiters = new WaitList<Permit>();
  readonly clock: Clock;
  readonly #overRelease: () => Error;

  constructor(capacity: number, clock: Clock, overRelease: () => Error) {
    this.capacity = capacity;
    this.clock = clock;
    this.#overRelease = overRelease;
  }

  get available(): number {
    return Math.max(0, this.capacity - this.held);
  }

  /** True when `acquire()` would wait. */
  get locked(): boolean {
    return this.held >= this.capacity || this.waiters.size > 0;
  }

  /** `options` must already be checked. An aborted signal rejects even when a permit is free. */
  acquire(options: WaitOptions | undefined): Promise<Permit> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.held < this.capacity && this.waiters.size === 0) {
      this.held++;
      return Promise.resolve(new PermitHandle(this));
    }
    return this.waiters.wait(options, this.clock, undefined);
  }

  tryAcquire(): boolean {
    if (this.held >= this.capacity || this.waiters.size > 0) return false;
    this.held++;
    return true;
  }

  release(): void {
    if (this.held === 0) throw this.#overRelease();
    this.held--;
    this.wake();
  }

  /** Grants free permits to waiters, first come first served; the permit stays counted in `held`. */
  wake(): void {
    while (this.held < this.capacity && this.waiters.size > 0) {
      this.held++;
      this.waiters.grant(new PermitHandle(this));
    }
  }

  async run<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options: WaitOptions | undefined,
    signal: AbortSignal,
  ): Promise<T> {
    const permit = await this.acquire(options);
    try {
      return await fn(signal);
    } finally {
      permit.release();
    }
  }
}

class PermitHandle implements Permit {
  #core: PermitCore | undefined;
  constructor(core: PermitCore) {
    this.#core = core;
  }

  get released(): boolean {
    return this.#core === undefined;
  }

  release(): void {
    const core = this.#core;
    if (core === undefined) return;
    this.#core = undefined;
    core.release();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
