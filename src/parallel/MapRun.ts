import { CancelledError, TimeoutError } from '../core/errors.js';
import { isCancellation, onAbort, sharedController } from '../core/signals.js';
import type { ItemWork, Source } from '../core/types.js';
import type { MapConfig } from './mapOptions.js';
import { Puller } from './pull.js';

/**
 * One run of `asyncParallelMap` / `asyncParallelFilter`.
 *
 * Hot path: arrays and sync iterables are processed by up to `maxConcurrent` async workers that each loop
 * `claim the next index -> await fn(item, index, signal) -> store`, the same shape as a hand-written worker
 * loop, so the per-item cost is the user's promise plus one await. An async function runs synchronously up to
 * its first await, so spawning the workers calls `fn` for the first `maxConcurrent` items at once. With room
 * for every item and no limiter, `#startAll` calls `fn` for every item in one synchronous loop instead and
 * waits with `Promise.all`. Async iterables cannot be pulled concurrently, so one pump pulls an item whenever a
 * slot is free and starts it.
 *
 * Invariants: `#active` counts the workers (or the pump and its started items) plus the starter itself; the run
 * settles exactly once, when it drops to 0, so every started call of `fn` has settled first. One
 * AbortController per run: its signal is every item's signal and aborts once, on the first stop.
 * @internal
 */
export class MapRun<T, R> {
  /** The items as pulled, kept for the filter when the source is not an array. */
  seen: T[] | undefined;
  readonly #fn: ItemWork<T, R>;
  readonly #items: Source<T>;
  readonly #config: MapConfig<T>;
  readonly #controller = sharedController();
  readonly #signal = this.#controller.signal;
  #out: R[] = [];
  #pending: unknown[] | undefined = undefined;
  #pulled: T[] | undefined = undefined;
  readonly #acquireOptions: { signal: AbortSignal };
  readonly #limited: boolean;
  #array: ArrayLike<T> | undefined;
  #n = 0;
  #next = 0;
  #active = 1;
  #stopped = false;
  #settled = false;
  #hasRejection = false;
  #rejection: unknown = undefined;
  #errors: [number, unknown][] | undefined = undefined;
  #resolve!: (value: R[]) => void;
  #reject!: (error: unknown) => void;
  #timer: unknown = undefined;
  #removeAbort: (() => void) | undefined = undefined;
  #source: Puller<T> | undefined = undefined;
  #running = 0;
  #wake: (() => void) | undefined = undefined;
  #pumpDetached = false;

  constructor(fn: ItemWork<T, R>, items: Source<T>, config: MapConfig<T>, keepItems: boolean) {
    this.#fn = fn;
    this.#items = items;
    this.#config = config;
    this.#acquireOptions = { signal: this.#signal };
    this.#limited = config.limiter !== undefined;
    if (Array.isArray(items)) {
      this.#array = items;
      this.#n = items.length;
    } else if (keepItems) this.seen = [];
  }

  /** Starts the run; the promise settles after every started item has settled. */
  start(): Promise<R[]> {
    const promise = new Promise<R[]>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const { signal, timeout, clock, maxConcurrent } = this.#config;
    if (signal !== undefined)
      this.#removeAbort = onAbort(signal, () => this.#stop(signal.reason, signal.reason));
    if (timeout !== Number.POSITIVE_INFINITY)
      this.#timer = clock.setTimeout(() => {
        this.#timer = undefined;
        const error = new TimeoutError(`The map did not finish within ${timeout} ms.`, { timeout });
        this.#stop(error, error);
      }, timeout);
    const noLimiter = !this.#limited;
    if (this.#array !== undefined && noLimiter && maxConcurrent >= this.#n) this.#startAll();
    else if (this.#array !== undefined) {
      const n = this.#n;
      this.#out = new Array<R>(n);
      for (let w = 0; w < maxConcurrent && w < n && !this.#stopped; w++) {
        this.#active++;
        void this.#arrayWorker();
      }
    } else {
      try {
        this.#source = new Puller(this.#items);
      } catch (error) {
        this.#sourceFailed(error);
      }
      const source = this.#source;
      if (source !== undefined && !source.async && noLimiter && maxConcurrent === Number.POSITIVE_INFINITY)
        this.#startAll();
      else if (source?.async) {
        this.#active++;
        void this.#pump();
      } else if (source !== undefined) {
        for (let w = 0; w < maxConcurrent && !source.finished && !this.#stopped; w++) {
          this.#active++;
          void this.#iterWorker();
        }
      }
    }
    this.#release();
    return promise;
  }

  /**
   * Unbounded fast path (no limiter, room for every item): calls `fn` for every item in one synchronous loop
   * and waits with `Promise.all`, which costs no closure or promise of ours per item. If some item rejects,
   * `Promise.all` gives up early; the run then watches every item on its own (`#watchEach`), so it still
   * reports each error and settles only after all of them settled.
   */
  #startAll(): void {
    const fn = this.#fn;
    const signal = this.#signal;
    const pending: unknown[] = [];
    this.#pending = pending;
    const array = this.#array;
    if (array !== undefined) {
      const n = this.#n;
      for (let j = 0; j < n && !this.#stopped; j++) {
        const item = array[j] as T;
        try {
          pending[j] = fn(item, j, signal);
        } catch (error) {
          pending[j] = undefined;
          this.#fail(error, item, j);
        }
      }
    } else {
      const source = this.#source!;
      const pulled: T[] = [];
      this.#pulled = pulled;
      if (this.seen !== undefined) this.seen = pulled;
      while (!this.#stopped) {
        let r: IteratorResult<T>;
        try {
          r = source.nextSync();
        } catch (error) {
          this.#sourceFailed(error);
          break;
        }
        if (r.done) break;
        const j = pulled.length;
        pulled.push(r.value);
        try {
          pending[j] = fn(r.value, j, signal);
        } catch (error) {
          pending[j] = undefined;
          this.#fail(error, r.value, j);
        }
      }
    }
    this.#active++;
    if (this.#stopped) {
      this.#watchEach();
      return;
    }
    Promise.all(pending).then(
      (values) => {
        this.#pending = undefined;
        this.#out = values as R[];
        this.#release();
      },
      () => this.#watchEach(),
    );
  }

  /** Follows every started item of the fast path on its own; releases the fast path's `#active` count. */
  #watchEach(): void {
    const pending = this.#pending!;
    this.#pending = undefined;
    const items = this.#array ?? this.#pulled!;
    const n = pending.length;
    this.#active += n;
    const settled = (): void => this.#release();
    for (let j = 0; j < n; j++) {
      Promise.resolve(pending[j]).then(settled, (error: unknown) => {
        this.#fail(error, items[j] as T, j);
        this.#release();
      });
    }
    this.#release();
  }

  // The two workers keep few locals on purpose: every await saves and restores the live locals of the
  // function, and they await once per item (measured: ~10 ns per item at concurrency 1).
  async #arrayWorker(): Promise<void> {
    while (!this.#stopped) {
      const j = this.#next;
      if (j >= this.#n) break;
      this.#next = j + 1;
      if (this.#limited && !(await this.#acquire(this.#array![j] as T, j))) continue;
      try {
        this.#out[j] = await this.#fn(this.#array![j] as T, j, this.#signal);
      } catch (error) {
        this.#fail(error, this.#array![j] as T, j);
      }
    }
    this.#release();
  }

  async #iterWorker(): Promise<void> {
    while (!this.#stopped && !this.#source!.finished) {
      let r: IteratorResult<T>;
      try {
        r = this.#source!.nextSync();
      } catch (error) {
        this.#sourceFailed(error);
        break;
      }
      if (r.done) break;
      const j = this.#next++;
      if (this.seen !== undefined) this.seen[j] = r.value;
      if (this.#limited && !(await this.#acquire(r.value, j))) continue;
      try {
        this.#out[j] = await this.#fn(r.value, j, this.#signal);
      } catch (error) {
        this.#fail(error, r.value, j);
      }
    }
    this.#release();
  }

  /** Pulls an async source whenever a slot is free; holds one `#active` count until it stops pulling. */
  async #pump(): Promise<void> {
    const source = this.#source!;
    const max = this.#config.maxConcurrent;
    while (!this.#stopped) {
      if (this.#running >= max) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      let r: IteratorResult<T>;
      try {
        r = await source.nextAsync();
      } catch (error) {
        if (this.#pumpDetached) return;
        this.#sourceFailed(error);
        break;
      }
      // Stopped while pulling: the run no longer waits for the pump, and the pulled item is dropped.
      if (this.#pumpDetached) return;
      if (this.#stopped || r.done) break;
      const j = this.#next++;
      if (this.seen !== undefined) this.seen[j] = r.value;
      this.#running++;
      this.#active++;
      void this.#runItem(r.value, j);
    }
    this.#release();
  }

  async #runItem(item: T, j: number): Promise<void> {
    if (this.#config.limiter === undefined || (await this.#acquire(item, j))) {
      try {
        this.#out[j] = await this.#fn(item, j, this.#signal);
      } catch (error) {
        this.#fail(error, item, j);
      }
    }
    this.#running--;
    this.#wakePump();
    this.#release();
  }

  /** Waits for one limiter token; false when the item must not start (stopped, or the limiter failed). */
  async #acquire(item: T, j: number): Promise<boolean> {
    try {
      await this.#config.limiter!.acquire(1, this.#acquireOptions);
    } catch (error) {
      this.#fail(error, item, j);
      return false;
    }
    return !this.#stopped;
  }

  #wakePump(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  /** An item (or its limiter wait) failed. Cancellations after the run stopped are not failures. */
  #fail(error: unknown, item: T, index: number): void {
    if (this.#signal.aborted && isCancellation(error, this.#signal)) return;
    if (this.#config.stopOnError)
      this.#stop(
        error,
        new CancelledError('Cancelled because another item of the map failed.', { cause: error }),
      );
    else {
      this.#errors ??= [];
      this.#errors.push([index, error]);
    }
    const onError = this.#config.onError;
    if (onError === undefined) return;
    try {
      onError(error, item, index);
    } catch (hookError) {
      // The hook's error reaches the caller (the item's error already reached the hook), also when this very
      // item's error stopped the run a moment ago.
      if (this.#stopped && this.#rejection === error && !this.#settled) this.#rejection = hookError;
      else
        this.#stop(hookError, new CancelledError('Cancelled because onError threw.', { cause: hookError }));
    }
  }

  #sourceFailed(error: unknown): void {
    this.#stop(error, new CancelledError('Cancelled because the source of the map threw.', { cause: error }));
  }

  /** Starts nothing more and aborts the items' signal; the first stop decides the rejection. */
  #stop(rejection: unknown, reason: unknown): void {
    if (this.#stopped || this.#settled) return;
    this.#stopped = true;
    this.#hasRejection = true;
    this.#rejection = rejection;
    this.#controller.abort(reason);
    this.#wakePump();
    if (this.#source?.pulling && !this.#pumpDetached) {
      // A pending next() of the source cannot be cancelled: do not wait for it.
      this.#pumpDetached = true;
      this.#release();
    }
  }

  #release(): void {
    if (--this.#active === 0) this.#finish();
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#removeAbort?.();
    this.#removeAbort = undefined;
    if (this.#timer !== undefined) this.#config.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    let closing: Promise<void> | undefined;
    try {
      closing = this.#source?.close();
    } catch {
      // The run already rejects (it only closes a source it left early); return()'s own error is dropped.
    }
    if (closing === undefined) this.#settle();
    else
      closing.then(
        () => this.#settle(),
        () => this.#settle(),
      );
  }

  #settle(): void {
    if (this.#hasRejection) this.#reject(this.#rejection);
    else if (this.#errors !== undefined) {
      const errors = this.#errors.sort((a, b) => a[0] - b[0]).map((e) => e[1]);
      this.#reject(new AggregateError(errors, `${errors.length} item(s) of the map failed.`));
    } else this.#resolve(this.#out);
  }
}
