import type { Clock } from '../core/Clock.js';
import { CancelledError, QueueShutDownError } from '../core/errors.js';
import { linkSignal, type SignalScope } from '../core/signals.js';
import type { ClockOptions, WaitOptions } from '../core/types.js';
import {
  assertFunction,
  assertObject,
  clockOption,
  describe,
  durationOption,
  integerOption,
  waitOptions,
} from '../core/validate.js';

/**
 * What a {@link Batcher}'s handler returns: one entry per item, in the items' order. An `Error` instance at
 * position i rejects only the `add()` of item i; any other value resolves it.
 */
export type BatchResults<R> = ReadonlyArray<R | Error>;

/** Options of {@link Batcher}. Durations are in milliseconds. */
export interface BatcherOptions<T, R> extends ClockOptions {
  /**
   * Processes one batch: receives the items in the order they were added and a signal that aborts (with
   * `CancelledError`) once every caller of that batch has given up. Must return (or resolve to) an array of the
   * same length. Required.
   */
  handler: (items: T[], signal: AbortSignal) => BatchResults<R> | PromiseLike<BatchResults<R>>;
  /** Items that trigger a batch at once: an integer >= 1 or `Infinity`. @default 100 */
  maxSize?: number | undefined;
  /**
   * How long the first pending item waits for others, in ms, before its batch is sent anyway. `Infinity`
   * waits for `maxSize`, `flush()` or `close()`.
   * @default 10
   */
  maxWait?: number | undefined;
}

/** A fresh snapshot of a {@link Batcher}, from `stats()`. */
export interface BatcherStats {
  /** Items waiting for their batch to be sent. */
  pending: number;
  /** Batches whose handler has not settled yet. */
  running: number;
  /** Batches sent so far. */
  batches: number;
  /** Items sent so far. */
  items: number;
}

/** The defaults of {@link BatcherOptions}. */
const DEFAULT_BATCHER = Object.freeze({
  /** Items that trigger a batch at once. */
  maxSize: 100,
  /** Milliseconds the first pending item waits for others. */
  maxWait: 10,
});

interface Batch {
  /** The handler's cancel scope: aborted once every caller of the batch gave up. */
  readonly scope: SignalScope;
  /** Entries of the batch whose caller is still waiting. */
  live: number;
}

interface Entry<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
  batch: Batch | undefined;
  /** Watches the caller's `signal` and `timeout`, while the add() waits; `undefined` when it has neither. */
  scope: SignalScope | undefined;
}

/**
 * Groups single calls into batches (the guides' batch processor; DataLoader's job without the cache):
 * `add(item)` resolves with that item's own result once its batch has been handled. A batch is sent when
 * `maxSize` items are pending, `maxWait` ms after the first of them arrived, or on `flush()`/`close()`.
 * Batches run concurrently; each one calls `handler(items, signal)` once.
 *
 * Errors: a handler that throws or rejects rejects every `add()` of its batch with that error; one that
 * returns an array of another length rejects them all with a `TypeError`; an `Error` at position i rejects
 * only add i. Abort and timeout: an `add()` whose `signal` aborts rejects at once with `signal.reason` (and
 * with `TimeoutError` after `timeout` ms); its item leaves the pending batch if that was not sent yet, otherwise
 * its result is dropped. Once every caller of a sent batch has given up, the handler's signal aborts.
 *
 * After `close()`, `add()` rejects with `QueueShutDownError`: a batcher is a queue whose consumer takes items
 * in batches. No timer is left once nothing is pending, or after `close()`.
 *
 * @example
 * ```ts
 * const users = new Batcher<string, User>({
 *   maxSize: 50,
 *   maxWait: 5,
 *   handler: (ids, signal) => api.getUsers(ids, { signal }), // one request for up to 50 ids
 * });
 * const [a, b] = await Promise.all([users.add('ada'), users.add('grace')]);
 * await users.close();
 * ```
 */
export class Batcher<T, R> implements AsyncDisposable {
  readonly #handler: BatcherOptions<T, R>['handler'];
  readonly #maxSize: number;
  readonly #maxWait: number;
  readonly #clock: Clock;
  #pending: Entry<T, R>[] = [];
  /** The `maxWait` countdown of the pending batch, while one runs. */
  #countdown: SignalScope | undefined = undefined;
  readonly #running = new Set<Promise<void>>();
  #closing: Promise<void> | undefined = undefined;
  #batches = 0;
  #items = 0;

  /**
   * @throws TypeError if `handler` is missing or not a function, or an option has the wrong type; RangeError
   *   if `maxSize` is not an integer >= 1 or `Infinity`, or `maxWait` is NaN or negative.
   */
  constructor(options: BatcherOptions<T, R>) {
    assertObject('Batcher options', options);
    const name = (key: string) => `Batcher options.${key}`;
    assertFunction(name('handler'), options.handler);
    this.#handler = options.handler;
    this.#maxSize = integerOption(name('maxSize'), options.maxSize, DEFAULT_BATCHER.maxSize, 1, true);
    this.#maxWait = durationOption(name('maxWait'), options.maxWait, DEFAULT_BATCHER.maxWait);
    this.#clock = clockOption(name('clock'), options.clock);
  }

  /**
   * Adds `item` to the pending batch and resolves with its result once the batch has been handled.
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with the handler's
   *   error, the `Error` at the item's position, a `TypeError` for a result array of the wrong length,
   *   `signal.reason` on abort, `TimeoutError` after `timeout` ms, or `QueueShutDownError` after `close()`.
   * @example
   * ```ts
   * const user = await users.add('ada', { timeout: 1000 });
   * ```
   */
  add(item: T, options?: WaitOptions): Promise<R> {
    const o = waitOptions('Batcher.add', options);
    const signal = o?.signal;
    const timeout = o?.timeout ?? Number.POSITIVE_INFINITY;
    if (this.#closing !== undefined)
      return Promise.reject(new QueueShutDownError('The batcher is closed; add() accepts no more items.'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    let resolve!: (value: R) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Entry<T, R> = {
      item,
      resolve,
      reject,
      settled: false,
      batch: undefined,
      scope: undefined,
    };
    if (signal !== undefined || timeout !== Number.POSITIVE_INFINITY)
      entry.scope = linkSignal(signal, {
        timeout,
        clock: this.#clock,
        onAbort: (reason) => this.#abandon(entry, reason),
      });
    this.#pending.push(entry);
    if (this.#pending.length >= this.#maxSize) void this.#send();
    else if (this.#countdown === undefined && this.#maxWait !== Number.POSITIVE_INFINITY)
      this.#countdown = linkSignal(undefined, {
        timeout: this.#maxWait,
        clock: this.#clock,
        timeoutReason: () => maxWaitOver,
        onAbort: () => {
          this.#countdown = undefined;
          void this.#send();
        },
      });
    return promise;
  }

  /**
   * Sends the pending items as one batch now, without waiting for `maxSize` or `maxWait`. Resolves once that
   * batch's handler has settled and its results were delivered (at once when nothing is pending); never rejects.
   */
  flush(): Promise<void> {
    return this.#send();
  }

  /**
   * Sends what is pending, stops the timer and refuses further `add()` calls (they reject with
   * `QueueShutDownError`). Resolves once every batch sent so far has been handled; calling it again returns
   * the same promise. Never rejects.
   * @example
   * ```ts
   * await using users = new Batcher({ handler: (ids: string[]) => api.getUsers(ids) });
   * ```
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      void this.#send();
      this.#closing = Promise.all([...this.#running]).then(() => undefined);
    }
    return this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A fresh plain snapshot of the batcher's counts. */
  stats(): BatcherStats {
    return {
      pending: this.#pending.length,
      running: this.#running.size,
      batches: this.#batches,
      items: this.#items,
    };
  }

  #stopTimer(): void {
    this.#countdown?.dispose();
    this.#countdown = undefined;
  }

  #send(): Promise<void> {
    this.#stopTimer();
    if (this.#pending.length === 0) return Promise.resolve();
    const entries = this.#pending;
    this.#pending = [];
    const batch: Batch = { scope: linkSignal(undefined), live: entries.length };
    for (const e of entries) e.batch = batch;
    this.#batches++;
    this.#items += entries.length;
    const run = this.#run(entries, batch);
    this.#running.add(run);
    void run.then(() => this.#running.delete(run));
    return run;
  }

  /** Calls the handler (synchronously, from `#send`) and delivers its results; never rejects. */
  async #run(entries: Entry<T, R>[], batch: Batch): Promise<void> {
    let results: BatchResults<R>;
    try {
      results = await this.#handler(
        entries.map((e) => e.item),
        batch.scope.signal,
      );
    } catch (error) {
      for (const e of entries) this.#settle(e, false, error);
      return;
    } finally {
      batch.scope.dispose();
    }
    if (!Array.isArray(results) || results.length !== entries.length) {
      const error = new TypeError(
        `Batcher handler must return an array with one result per item (${entries.length}), got ${describe(results)}.`,
      );
      for (const e of entries) this.#settle(e, false, error);
      return;
    }
    entries.forEach((e, i) => {
      const result = results[i];
      if (result instanceof Error) this.#settle(e, false, result);
      else this.#settle(e, true, result);
    });
  }

  #settle(entry: Entry<T, R>, ok: boolean, value: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.scope?.dispose();
    entry.scope = undefined;
    if (ok) entry.resolve(value as R);
    else entry.reject(value);
  }

  /** The caller of `entry` gave up (abort or timeout). */
  #abandon(entry: Entry<T, R>, error: unknown): void {
    if (entry.settled) return;
    this.#settle(entry, false, error);
    const batch = entry.batch;
    if (batch === undefined) {
      const at = this.#pending.indexOf(entry);
      if (at >= 0) this.#pending.splice(at, 1);
      if (this.#pending.length === 0) this.#stopTimer();
    } else if (--batch.live === 0)
      batch.scope.abort(new CancelledError('Every add() of this batch was abandoned.'));
  }
}

/** How the `maxWait` countdown ends when its time is up; never seen outside this file. */
const maxWaitOver = Symbol('maxWait over');
