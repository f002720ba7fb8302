import type { Clock } from '../core/Clock.js';

/**
 * One clock reading shared by everything that asks during the same synchronous run of code (until the next
 * microtask): a burst of 10,000 submissions reads the clock once instead of 10,000 times (about 50 ns each on
 * Node 20). The executor takes a queued task's submission time from it; the reading is then up to the length
 * of the submitting code's synchronous run early, which a queue wait measured in milliseconds does not notice.
 * @internal
 */
export class BurstClock {
  readonly #clock: Clock;
  #now: number | undefined = undefined;
  readonly #over = (): void => {
    this.#now = undefined;
  };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The reading of the current burst, taken now if this is its first ask. */
  now(): number {
    let now = this.#now;
    if (now === undefined) {
      now = this.#clock.now();
      this.#now = now;
      queueMicrotask(this.#over);
    }
    return now;
  }
}
