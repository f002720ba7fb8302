import { Ring } from './ring.js';

/**
 * The floor of a semaphore: a permit counter and a FIFO ring of parked resolvers. `release()` hands its permit
 * straight to the oldest waiter (no barging). No timeouts, no abort, no permit objects, no over-release check.
 */
export class FloorSemaphore {
  #free: number;
  readonly #waiters = new Ring<() => void>();

  constructor(permits: number) {
    this.#free = permits;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#free++;
    else next();
  }
}
