import { RingBuffer } from '../core/RingBuffer.js';

interface Bucket {
  readonly at: number;
  calls: number;
  failures: number;
}

/**
 * The outcomes of a `CircuitBreaker`'s calls in the last `windowMs` ms (ratio mode), merged per clock instant
 * so that memory stays small under load: one bucket per distinct `now()`, dropped once it is `windowMs` old.
 * @internal
 */
export class OutcomeWindow {
  readonly #buckets = new RingBuffer<Bucket>();
  #newest: Bucket | undefined = undefined;
  /** Calls that ended within the window. */
  calls = 0;
  /** Of those, the ones that counted as failures. */
  failures = 0;
  constructor(readonly windowMs: number) {}

  add(now: number, failed: boolean): void {
    this.prune(now);
    let bucket = this.#newest;
    if (bucket === undefined || bucket.at !== now) {
      bucket = { at: now, calls: 0, failures: 0 };
      this.#buckets.push(bucket);
      this.#newest = bucket;
    }
    bucket.calls++;
    this.calls++;
    if (failed) {
      bucket.failures++;
      this.failures++;
    }
  }

  /** Drops what ended `windowMs` or more ago. */
  prune(now: number): void {
    for (
      let b = this.#buckets.peek();
      b !== undefined && now - b.at >= this.windowMs;
      b = this.#buckets.peek()
    ) {
      this.#buckets.shift();
      this.calls -= b.calls;
      this.failures -= b.failures;
      if (b === this.#newest) this.#newest = undefined;
    }
  }

  clear(): void {
    this.#buckets.clear();
    this.#newest = undefined;
    this.calls = 0;
    this.failures = 0;
  }
}
