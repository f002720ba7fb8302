import type { Clock } from '../core/Clock.js';
import { QueueFullError } from '../core/errors.js';
import { linkSignal } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import {
  assertFunction,
  clockOption,
  concurrencyOption,
  integerOption,
  optionsBag,
  waitOptions,
} from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { Emitter, type Listener } from '../observe/Emitter.js';

/** Options of {@link Bulkhead}. */
export interface BulkheadOptions extends ClockOptions {
  /** Calls that may run at once: an integer >= 1 or `Infinity`. Required. */
  maxConcurrent: number;
  /**
   * Calls that may wait for a free slot once `maxConcurrent` run: an integer >= 0 or `Infinity`. A call past
   * it is refused at once with `QueueFullError`. 0 means no call ever waits.
   * @default 0
   */
  maxQueue?: number | undefined;
}

/**
 * Options of {@link Bulkhead.run}. `timeout` (ms) counts from the call, time spent queued included, and
 * bounds the whole call: queued, the call rejects with `TimeoutError` and never runs; running, its signal
 * aborts with that `TimeoutError` and the call rejects at once.
 */
export interface BulkheadRunOptions extends WaitOptions {}

/** A snapshot of a {@link Bulkhead}, from `stats()`. */
export interface BulkheadStats {
  /** Calls holding a slot: running, or abandoned by their caller but not yet settled. */
  running: number;
  /** Calls waiting for a slot. */
  queued: number;
  /** Calls refused with `QueueFullError` so far. */
  rejected: number;
  maxConcurrent: number;
  maxQueue: number;
}

/** The events of a {@link Bulkhead} and their payloads. */
export interface BulkheadEvents {
  /** A call was refused with `QueueFullError`: every slot was taken and the queue was full. */
  rejected: { running: number; queued: number };
}

/** The defaults of {@link BulkheadOptions}. */
const BULKHEAD_DEFAULTS = {
  /** Calls that may wait for a slot (count): none. */
  maxQueue: 0,
} as const;

/**
 * A bulkhead (cockatiel's, after the watertight compartments of a ship): at most `maxConcurrent` calls run at
 * once, at most `maxQueue` more wait for a slot in FIFO order, and a call past both is refused at once with
 * `QueueFullError` instead of piling up. It sheds load, so that one slow dependency cannot take every
 * connection, thread or socket of the process with it.
 *
 * Abort and timeout: a queued call whose `signal` aborts (or whose `timeout` passes) leaves the queue and
 * rejects with `signal.reason` (or `TimeoutError`) without running. A running call's signal aborts likewise
 * and the call rejects at once, but it keeps its slot until `fn` settles: the bulkhead never runs more than
 * `maxConcurrent` functions, abandoned ones included.
 *
 * Invariants: `running <= maxConcurrent` and `queued <= maxQueue`; a call waits only while every slot is
 * taken; a finished call hands its slot straight to the longest-waiting one.
 *
 * @example
 * ```ts
 * const bulkhead = new Bulkhead({ maxConcurrent: 10, maxQueue: 50 });
 * try {
 *   const profile = await bulkhead.run((signal) => fetch(profileUrl, { signal }), { timeout: 2000 });
 * } catch (error) {
 *   if (error instanceof QueueFullError) return fallbackProfile(); // overloaded: shed this call
 *   throw error;
 * }
 * ```
 */
export class Bulkhead {
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #clock: Clock;
  /** Queued calls; each one's data starts it in the slot handed over to it. */
  readonly #waiters = new WaitList<void, () => void>();
  #running = 0;
  #rejected = 0;
  /** Made on the first `on()`: a bulkhead nobody observes pays one field check per refusal. */
  #events: Emitter<BulkheadEvents> | undefined = undefined;

  /**
   * @throws TypeError if `maxConcurrent` is missing or an option has the wrong type; RangeError if
   *   `maxConcurrent` is not an integer >= 1 or `Infinity`, or `maxQueue` not an integer >= 0 or `Infinity`.
   */
  constructor(options: BulkheadOptions) {
    const o = optionsBag('Bulkhead options', options);
    if (o.maxConcurrent === undefined)
      throw new TypeError('Bulkhead options.maxConcurrent is required (calls that may run at once).');
    this.#maxConcurrent = concurrencyOption('Bulkhead options.maxConcurrent', o.maxConcurrent, 1);
    this.#maxQueue = integerOption(
      'Bulkhead options.maxQueue',
      o.maxQueue,
      BULKHEAD_DEFAULTS.maxQueue,
      0,
      true,
    );
    this.#clock = clockOption('Bulkhead options.clock', o.clock);
  }

  /**
   * Runs `fn(signal)` in a free slot, or queues it for the next one, and settles with its result.
   * @throws TypeError/RangeError (synchronously) if `fn` is not a function or the options are malformed. The
   *   promise rejects with `QueueFullError` at once when `maxConcurrent` calls run and `maxQueue` wait; with
   *   `signal.reason` on abort and `TimeoutError` after `timeout` ms (see {@link BulkheadRunOptions}); or with
   *   `fn`'s own error.
   * @example
   * ```ts
   * const rows = await bulkhead.run((signal) => db.query('select 1', { signal }), { signal, timeout: 5000 });
   * ```
   */
  run<T>(fn: Work<T>, options?: BulkheadRunOptions): Promise<Awaited<T>> {
    assertFunction('Bulkhead.run fn', fn);
    const o = waitOptions('Bulkhead.run', options);
    const signal = o?.signal;
    const timeout = o?.timeout;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#maxConcurrent && this.#waiters.size === 0) {
      this.#running++;
      return new Promise((resolve, reject) => this.#execute(fn, signal, timeout, resolve, reject));
    }
    if (this.#waiters.size >= this.#maxQueue) return Promise.reject(this.#refuse());
    const queuedAt = this.#clock.now();
    return new Promise((resolve, reject) => {
      // Started by `#release()` in the slot it hands over, synchronously: a granted call always runs.
      const start = (): void => {
        const left = timeout === undefined ? undefined : timeout - (this.#clock.now() - queuedAt);
        this.#execute(fn, signal, left, resolve, reject);
      };
      this.#waiters.wait(o, this.#clock, start).catch(reject);
    });
  }

  /**
   * Subscribes to an event (`rejected`).
   * @returns An unsubscribe function.
   * @example
   * ```ts
   * const off = bulkhead.on('rejected', ({ running, queued }) => metrics.increment('shed', { running, queued }));
   * off();
   * ```
   */
  on<K extends keyof BulkheadEvents>(event: K, fn: Listener<BulkheadEvents[K]>): () => void {
    this.#events ??= new Emitter<BulkheadEvents>();
    return this.#events.on(event, fn);
  }

  /** A fresh plain snapshot of the slots, the queue and the refusals. */
  stats(): BulkheadStats {
    return {
      running: this.#running,
      queued: this.#waiters.size,
      rejected: this.#rejected,
      maxConcurrent: this.#maxConcurrent,
      maxQueue: this.#maxQueue,
    };
  }

  #refuse(): QueueFullError {
    this.#rejected++;
    this.#events?.emit('rejected', { running: this.#running, queued: this.#waiters.size });
    return new QueueFullError(
      `The bulkhead is full: ${this.#running} call(s) running (maxConcurrent) and ${this.#waiters.size} waiting (maxQueue); the call was refused without running. Retry later, or raise maxQueue to let more calls wait.`,
    );
  }

  /** Runs `fn` in the slot this call holds; the slot is released once `fn` settles, however the call ends. */
  #execute<T>(
    fn: Work<T>,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    resolve: (value: Awaited<T>) => void,
    reject: (error: unknown) => void,
  ): void {
    const scope = linkSignal(signal, { timeout, clock: this.#clock, onAbort: reject });
    let out: T | PromiseLike<T>;
    try {
      out = fn(scope.signal);
    } catch (error) {
      // Settled on a microtask like any other outcome, so that a queue of throwing calls does not recurse.
      out = Promise.reject(error);
    }
    Promise.resolve(out).then(
      (value) => {
        scope.dispose();
        this.#release();
        resolve(value as Awaited<T>);
      },
      (error: unknown) => {
        scope.dispose();
        this.#release();
        reject(error);
      },
    );
  }

  /** Hands the slot to the longest-waiting call and starts it, or frees the slot. */
  #release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#running--;
      return;
    }
    next.resolve();
    next.data();
  }
}
