import type { Clock } from '../core/Clock.js';
import { type Context, runInContext } from '../core/context.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { isCancellation, sharedController } from '../core/signals.js';
import type { ItemWork, MapLimiter, Source } from '../core/types.js';

/** What a finished map item counts as in the executor's stats. */
export type Outcome = 'completed' | 'failed' | 'cancelled';

/** The executor side of a map run. @internal */
export interface MapHost {
  readonly clock: Clock;
  /** Queues the run for the next free slot; the executor then calls `grant()` with that slot taken. */
  requestSlot(run: MapCall<unknown, unknown>): void;
  /** An item's work starts in the slot the run was granted. */
  itemStarted(): void;
  /** The run gives a slot back; `outcome` is set when an item ran in it. */
  releaseSlot(outcome: Outcome | undefined): void;
  /** The run's promise is about to settle. */
  runSettled(run: MapCall<unknown, unknown>): void;
}

/** The checked options of one `mapAsync` call. @internal */
export interface MapCallOptions {
  signal: AbortSignal | undefined;
  stopOnError: boolean;
  timeout: number;
  onError: ((error: unknown, item: unknown, index: number) => void) | undefined;
  limiter: MapLimiter | undefined;
}

/**
 * One `mapAsync` call. The run is itself an entry of the executor's queue: each time it is granted a slot it
 * pulls one item (so input is read only as slots free up), waits for the limiter's token in that slot, asks
 * for the next slot, then runs the item. All items share one AbortSignal, aborted when the run stops (first
 * error with `stopOnError`, the caller's abort, the deadline, or a cancelling shutdown); the promise settles
 * only once every pull and item it started has settled and the source has been closed.
 * @internal
 */
export class MapCall<T, R> {
  readonly promise: Promise<R[]>;
  /** Whether the run sits in the executor's queue. */
  queued = false;
  #resolve!: (value: R[]) => void;
  #reject!: (error: unknown) => void;
  readonly #host: MapHost;
  readonly #fn: ItemWork<T, R>;
  readonly #source: Source<T>;
  readonly #options: MapCallOptions;
  readonly #context: Context;
  // One signal serves every item, so it may carry many listeners (one per fetch): no MaxListeners warning.
  readonly #controller = sharedController();
  #iterator: Iterator<T> | AsyncIterator<T> | undefined = undefined;
  #async = false;
  #next = 0;
  /** Slots this run holds: pulls, token waits and running items. */
  #active = 0;
  #exhausted = false;
  /** A `next()` is in flight (with its token wait still to come). */
  #pulling = false;
  #stopped = false;
  #reason: unknown = undefined;
  #closing = false;
  #settled = false;
  readonly #results: R[] = [];
  readonly #errors: { index: number; error: unknown }[] = [];
  #timer: unknown = undefined;
  #onAbort: (() => void) | undefined = undefined;

  constructor(
    host: MapHost,
    fn: ItemWork<T, R>,
    source: Source<T>,
    options: MapCallOptions,
    context: Context,
  ) {
    this.#host = host;
    this.#fn = fn;
    this.#source = source;
    this.#options = options;
    this.#context = context;
    this.promise = new Promise<R[]>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Whether the run still has items to pull. */
  get wantsSlot(): boolean {
    return !this.#stopped && !this.#exhausted;
  }

  /** The context of the call, in which pulls and items run. */
  get context(): Context {
    return this.#context;
  }

  start(): void {
    const { signal, timeout } = this.#options;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.stop(signal.reason);
        return;
      }
      this.#onAbort = () => this.stop(signal.reason);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (timeout !== Number.POSITIVE_INFINITY)
      this.#timer = this.#host.clock.setTimeout(() => {
        this.#timer = undefined;
        this.stop(new TimeoutError(`mapAsync timed out after ${timeout} ms.`, { timeout }));
      }, timeout);
    this.#requestSlot();
  }

  /** Stops the run: nothing new starts, the items' signal aborts, and the promise rejects with `reason`. */
  stop(reason: unknown, abortReason: unknown = reason): void {
    if (this.#stopped || this.#settled) return;
    this.#stopped = true;
    this.#reason = reason;
    this.#detach();
    this.#controller.abort(abortReason);
    this.#closeSource();
    this.#maybeFinish();
  }

  /** Called by the executor with one slot taken for this run: pulls the next item. */
  grant(): void {
    this.queued = false;
    this.#active++;
    if (!this.wantsSlot) {
      this.#release(undefined);
      return;
    }
    this.#pulling = true;
    let result: IteratorResult<T> | Promise<IteratorResult<T>>;
    try {
      if (this.#iterator === undefined) this.#open();
      result = this.#iterator!.next();
    } catch (error) {
      this.#pullFailed(error);
      return;
    }
    if (this.#async)
      Promise.resolve(result).then(
        (r) => this.#pulled(r),
        (error: unknown) => this.#pullFailed(error),
      );
    else this.#pulled(result as IteratorResult<T>);
  }

  #open(): void {
    const src = this.#source as Partial<AsyncIterable<T> & Iterable<T>>;
    const openAsync = src[Symbol.asyncIterator];
    if (typeof openAsync === 'function') {
      this.#async = true;
      this.#iterator = openAsync.call(src);
    } else this.#iterator = (src as Iterable<T>)[Symbol.iterator]();
  }

  #pulled(r: IteratorResult<T>): void {
    this.#pulling = false;
    if (r.done) {
      this.#exhausted = true;
      this.#iterator = undefined;
      this.#release(undefined);
      return;
    }
    if (this.#stopped) {
      this.#closeSource();
      this.#release(undefined);
      return;
    }
    const item = r.value;
    const index = this.#next++;
    const limiter = this.#options.limiter;
    if (limiter === undefined) {
      this.#run(item, index);
      return;
    }
    let token: unknown;
    try {
      token = limiter.acquire(1, { signal: this.#controller.signal });
    } catch (error) {
      this.#tokenFailed(error, item, index);
      return;
    }
    if (
      token !== null &&
      typeof token === 'object' &&
      typeof (token as PromiseLike<unknown>).then === 'function'
    )
      Promise.resolve(token).then(
        () => this.#run(item, index),
        (error: unknown) => this.#tokenFailed(error, item, index),
      );
    else this.#run(item, index);
  }

  #run(item: T, index: number): void {
    if (this.#stopped) {
      this.#release(undefined);
      return;
    }
    this.#host.itemStarted();
    this.#requestSlot();
    const signal = this.#controller.signal;
    let out: R | PromiseLike<R>;
    try {
      out = runInContext(this.#context, (s: AbortSignal) => this.#fn(item, index, s), signal);
    } catch (error) {
      this.#itemFailed(error, item, index);
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<R>).then === 'function')
      Promise.resolve(out).then(
        (value) => this.#itemDone(value, index),
        (error: unknown) => this.#itemFailed(error, item, index),
      );
    else this.#itemDone(out as R, index);
  }

  #itemDone(value: R, index: number): void {
    this.#results[index] = value;
    this.#release('completed');
  }

  #itemFailed(error: unknown, item: T, index: number): void {
    const cancelled = this.#stopped && isCancellation(error, this.#controller.signal);
    if (!cancelled) this.#record(error, item, index);
    this.#release(cancelled ? 'cancelled' : 'failed');
  }

  #tokenFailed(error: unknown, item: T, index: number): void {
    if (!(this.#stopped && isCancellation(error, this.#controller.signal))) this.#record(error, item, index);
    this.#release(undefined);
  }

  #pullFailed(error: unknown): void {
    this.#pulling = false;
    this.#exhausted = true;
    this.#iterator = undefined; // a source that threw is not closed again
    if (!this.#stopped)
      this.stop(
        error,
        new CancelledError('Cancelled because the source of the map threw.', { cause: error }),
      );
    this.#release(undefined);
  }

  /** A failure of one item: reported to `onError`, then it stops the run or joins the aggregate. */
  #record(error: unknown, item: T, index: number): void {
    const onError = this.#options.onError;
    if (onError !== undefined) {
      try {
        onError(error, item, index);
      } catch (thrown) {
        if (!this.#stopped)
          this.stop(thrown, new CancelledError('mapAsync onError threw.', { cause: thrown }));
      }
    }
    if (this.#options.stopOnError) {
      if (!this.#stopped) this.stop(error, new CancelledError('A sibling item failed.', { cause: error }));
    } else this.#errors.push({ index, error });
  }

  #requestSlot(): void {
    if (this.queued || !this.wantsSlot) return;
    this.queued = true;
    this.#host.requestSlot(this as MapCall<unknown, unknown>);
  }

  #release(outcome: Outcome | undefined): void {
    this.#active--;
    this.#host.releaseSlot(outcome);
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#settled || this.#active > 0 || this.#closing) return;
    if (this.#exhausted || this.#stopped) this.#settle();
  }

  /**
   * Stopped early: closes the source as `for...of` would, once no pull is in flight (the pull's end calls this
   * again). The run settles only after an async `return()` has settled.
   */
  #closeSource(): void {
    const iterator = this.#iterator;
    if (iterator === undefined || this.#pulling) return;
    this.#iterator = undefined;
    if (iterator.return === undefined) return;
    let closed: unknown;
    try {
      closed = iterator.return();
    } catch {
      return; // the run already rejects with its reason; a failing close adds nothing to it
    }
    if (
      closed !== null &&
      typeof closed === 'object' &&
      typeof (closed as PromiseLike<unknown>).then === 'function'
    ) {
      this.#closing = true;
      const done = (): void => {
        this.#closing = false;
        this.#maybeFinish();
      };
      Promise.resolve(closed).then(done, done);
    }
  }

  #settle(): void {
    this.#settled = true;
    this.#detach();
    this.#host.runSettled(this as MapCall<unknown, unknown>);
    if (this.#stopped) this.#reject(this.#reason);
    else if (this.#errors.length > 0) {
      const errors = this.#errors.sort((a, b) => a.index - b.index).map((e) => e.error);
      this.#reject(new AggregateError(errors, `mapAsync: ${errors.length} item(s) failed.`));
    } else this.#resolve(this.#results);
  }

  #detach(): void {
    if (this.#timer !== undefined) {
      this.#host.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#onAbort !== undefined) {
      this.#options.signal!.removeEventListener('abort', this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}
