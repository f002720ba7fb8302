import type { Clock } from '../core/Clock.js';
import { BrokenBarrierError } from '../core/errors.js';
import type { ClockOptions, WaitOptions } from '../core/types.js';
import { clockOption, integerOption, optionsBag, waitOptions } from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';

/** Options of {@link Barrier}. */
export interface BarrierOptions extends ClockOptions {}

/**
 * A meeting point for a fixed number of tasks (asyncio.Barrier): each `wait()` blocks until `parties` tasks
 * are waiting, then all of them are released at once and the barrier is ready for the next round (it is
 * cyclic). Each `wait()` resolves to its arrival index in the round, 0 for the first to arrive up to
 * `parties - 1` for the one that completed the round.
 *
 * Breaking: `abort()` puts the barrier in the broken state and rejects everyone waiting with
 * {@link BrokenBarrierError}; later `wait()` calls reject with it too, until `reset()`. `reset()` also rejects
 * the tasks still waiting with `BrokenBarrierError`, then leaves the barrier empty and usable.
 *
 * Abort and timeout (asyncio.Barrier): a waiter whose `signal` aborts rejects with `signal.reason`, one whose
 * `timeout` passes rejects with `TimeoutError`, and either way it simply leaves the round: it is removed, the
 * others keep waiting, and the round now needs one more arrival. The barrier does not break. A signal already
 * aborted when `wait()` is called rejects without arriving. Once a round has completed, its waiters resolve
 * even if their signals abort afterwards. Arrival indices are given when the round completes, in the order
 * of the parties still there, so they are always 0 to `parties - 1`.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * const loaded: number[] = [];
 * const worker = async (id: number) => {
 *   loaded.push(id);
 *   const index = await barrier.wait({ timeout: 30_000 }); // all three have pushed past this line
 *   if (index === 2) console.log(`round complete: ${loaded.length} shards`);
 * };
 * await Promise.all([worker(0), worker(1), worker(2)]);
 * ```
 */
export class Barrier {
  /** How many tasks must wait before the barrier releases them. */
  readonly parties: number;
  #broken = false;
  readonly #waiters = new WaitList<number>();
  readonly #clock: Clock;

  /**
   * @param parties The number of tasks that meet: an integer >= 1.
   * @throws TypeError if `parties` is not a number or an option has the wrong type; RangeError if it is not
   *   an integer >= 1.
   */
  constructor(parties: number, options?: BarrierOptions) {
    if (parties === undefined) throw new TypeError('Barrier parties must be a number, got undefined.');
    this.parties = integerOption('Barrier parties', parties, 1, 1);
    const o = optionsBag('Barrier options', options);
    this.#clock = clockOption('Barrier options.clock', o.clock);
  }

  /** How many tasks are waiting in the current round. */
  get nWaiting(): number {
    return this.#waiters.size;
  }

  /** Whether the barrier is broken (after `abort()`) until `reset()`. */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Arrives at the barrier and waits for the round to fill; resolves to this task's arrival index.
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with
   *   `BrokenBarrierError` if the barrier is or becomes broken, with `signal.reason` on abort and with
   *   `TimeoutError` after `timeout` ms (the waiter then leaves the round; the others keep waiting).
   */
  wait(options?: WaitOptions): Promise<number> {
    const o = waitOptions('Barrier.wait', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#broken) return Promise.reject(new BrokenBarrierError());
    if (this.#waiters.size + 1 < this.parties) return this.#waiters.wait(o, this.#clock, undefined);
    // The round is full: release everyone at once, indexed in arrival order, and start the next round empty.
    let index = 0;
    for (let node = this.#waiters.shift(); node !== undefined; node = this.#waiters.shift())
      node.resolve(index++);
    return Promise.resolve(index);
  }

  /** Breaks the barrier: the tasks waiting, and every later `wait()` until `reset()`, reject with `BrokenBarrierError`. */
  abort(): void {
    this.#break();
  }

  /** Rejects the tasks still waiting with `BrokenBarrierError`, then returns the barrier to empty and unbroken. */
  reset(): void {
    this.#waiters.rejectAll(new BrokenBarrierError());
    this.#broken = false;
  }

  #break(): void {
    this.#broken = true;
    this.#waiters.rejectAll(new BrokenBarrierError());
  }
}
