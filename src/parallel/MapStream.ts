import type { Clock } from '../core/Clock.js';
import { type Context, captureContext, runInContext } from '../core/context.js';
import { CancelledError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { isCancellation, onAbort, sharedController } from '../core/signals.js';
import type { ItemWork, Source } from '../core/types.js';
import { WaitList } from '../core/WaitList.js';
import { Puller } from './pull.js';

/** The checked options of one stream. @internal */
export interface MapStreamConfig {
  maxConcurrent: number;
  ordered: boolean;
  buffer: number;
  signal: AbortSignal | undefined;
  clock: Clock;
}

const NONE: unique symbol = Symbol('ferris.none');
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

type Phase = 'idle' | 'open' | 'stopping' | 'done';
type PumpState = 'off' | 'busy' | 'waiting' | 'pulling' | 'done';

/**
 * The iterator behind `asyncParallelMapStream`. A pump pulls the source whenever there is capacity and starts
 * `fn` on each item; finished results wait in `#ready` (ordered: by index; unordered: in completion order)
 * until a reader takes them, and readers that come first wait in `#readers`.
 *
 * Capacity (the backpressure): an item starts only while `running < maxConcurrent` and
 * `running + unread < buffer`, so even if every running item finished at once, no more than `buffer` results
 * would wait unread. Memory is O(maxConcurrent + buffer), whatever the length of the source.
 *
 * Phases: 'idle' until the first `next()`; 'open' while producing; 'stopping' after an error, an abort or
 * `return()` (the signal is aborted, unread results dropped) until every started item has settled and the
 * source is closed; then 'done'. An error is handed to the first reader after 'stopping' ends.
 * @internal
 */
export class MapStream<T, R> implements AsyncIterableIterator<R, undefined> {
  readonly #fn: ItemWork<T, R>;
  readonly #items: Source<T>;
  readonly #config: MapStreamConfig;
  #phase: Phase = 'idle';
  #controller: AbortController | undefined = undefined;
  #source: Puller<T> | undefined = undefined;
  #pump: PumpState = 'off';
  #wake: (() => void) | undefined = undefined;
  #running = 0;
  #nextIndex = 0;
  #yieldIndex = 0;
  readonly #byIndex: Map<number, R> | undefined;
  readonly #inOrder: RingBuffer<R> | undefined;
  readonly #readers = new WaitList<IteratorResult<R, undefined>>();
  #error: unknown = NONE;
  #removeAbort: (() => void) | undefined = undefined;
  #finalizing = false;
  #returning: Promise<IteratorResult<R, undefined>> | undefined = undefined;
  #returned: ((closeError: unknown) => void) | undefined = undefined;
  /** The caller's context (SPEC §2.9): the source is pulled and `fn` runs in it, wherever `next()` is called. */
  readonly #context: Context = captureContext();

  constructor(fn: ItemWork<T, R>, items: Source<T>, config: MapStreamConfig) {
    this.#fn = fn;
    this.#items = items;
    this.#config = config;
    if (config.ordered) this.#byIndex = new Map();
    else this.#inOrder = new RingBuffer();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result; starts the work on the first call. Rejects with the error that ended the stream, once. */
  next(): Promise<IteratorResult<R, undefined>> {
    if (this.#phase === 'idle') runInContext(this.#context, () => this.#open(), undefined);
    if (this.#phase === 'open') {
      const value = this.#take();
      if (value !== NONE) {
        this.#check();
        return Promise.resolve({ done: false, value });
      }
    }
    if (this.#phase === 'done') {
      const error = this.#error;
      if (error === NONE) return Promise.resolve(DONE);
      this.#error = NONE;
      return Promise.reject(error);
    }
    return this.#readers.wait(undefined, this.#config.clock, undefined);
  }

  /**
   * Stops the stream (what `break` in `for await` calls): aborts the running items, drops unread results, and
   * resolves once every started item has settled and the source's `return()` has completed. Rejects with the
   * error of the source's `return()`, if it throws.
   */
  return(): Promise<IteratorResult<R, undefined>> {
    if (this.#returning !== undefined) return this.#returning;
    if (this.#phase === 'idle' || this.#phase === 'done') {
      this.#phase = 'done';
      this.#error = NONE;
      this.#returning = Promise.resolve(DONE);
      return this.#returning;
    }
    this.#returning = new Promise<IteratorResult<R, undefined>>((resolve, reject) => {
      this.#returned = (closeError) => (closeError === NONE ? resolve(DONE) : reject(closeError));
    });
    const returning = this.#returning;
    this.#stop(NONE, new CancelledError('Cancelled because the consumer of the stream stopped reading.'));
    return returning;
  }

  /** `await using stream = asyncParallelMapStream(...)` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #open(): void {
    this.#phase = 'open';
    const signal = this.#config.signal;
    if (signal?.aborted) {
      this.#phase = 'done';
      this.#error = signal.reason;
      return;
    }
    try {
      this.#source = new Puller(this.#items);
    } catch (error) {
      this.#phase = 'done';
      this.#error = error;
      return;
    }
    this.#controller = sharedController();
    if (signal !== undefined)
      this.#removeAbort = onAbort(signal, () => this.#stop(signal.reason, signal.reason));
    this.#pump = 'busy';
    void this.#runPump();
  }

  #unread(): number {
    return this.#byIndex !== undefined ? this.#byIndex.size : this.#inOrder!.size;
  }

  #hasCapacity(): boolean {
    const running = this.#running;
    return running < this.#config.maxConcurrent && running + this.#unread() < this.#config.buffer;
  }

  /** Removes and returns the next deliverable result, or NONE. */
  #take(): R | typeof NONE {
    const byIndex = this.#byIndex;
    if (byIndex !== undefined) {
      const i = this.#yieldIndex;
      if (!byIndex.has(i)) return NONE;
      const value = byIndex.get(i) as R;
      byIndex.delete(i);
      this.#yieldIndex = i + 1;
      return value;
    }
    const inOrder = this.#inOrder!;
    return inOrder.size === 0 ? NONE : (inOrder.shift() as R);
  }

  async #runPump(): Promise<void> {
    const source = this.#source!;
    for (;;) {
      if (this.#phase !== 'open') break;
      if (!this.#hasCapacity()) {
        this.#pump = 'waiting';
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#pump = 'busy';
        continue;
      }
      let r: IteratorResult<T>;
      try {
        if (source.async) {
          this.#pump = 'pulling';
          r = await source.nextAsync();
          this.#pump = 'busy';
        } else r = source.nextSync();
      } catch (error) {
        this.#pump = 'busy';
        this.#stop(
          error,
          new CancelledError('Cancelled because the source of the stream threw.', { cause: error }),
        );
        break;
      }
      // Stopped while pulling: the pulled item is dropped.
      if (this.#phase !== 'open' || r.done) break;
      this.#start(r.value);
    }
    this.#pump = 'done';
    this.#check();
  }

  #start(item: T): void {
    const index = this.#nextIndex++;
    this.#running++;
    void this.#run(item, index);
  }

  async #run(item: T, index: number): Promise<void> {
    let value: R;
    try {
      value = await this.#fn(item, index, this.#controller!.signal);
    } catch (error) {
      this.#running--;
      const signal = this.#controller!.signal;
      if (!(signal.aborted && isCancellation(error, signal)))
        this.#stop(
          error,
          new CancelledError('Cancelled because another item of the stream failed.', { cause: error }),
        );
      this.#check();
      return;
    }
    this.#running--;
    if (this.#phase === 'open') {
      if (this.#byIndex !== undefined) this.#byIndex.set(index, value);
      else this.#inOrder!.push(value);
    }
    this.#check();
  }

  /** Moves the stream on after any change: deliver, end, wake the pump, or finish stopping. */
  #check(): void {
    if (this.#phase === 'open') {
      while (this.#readers.size > 0) {
        const value = this.#take();
        if (value === NONE) break;
        this.#readers.grant({ done: false, value });
      }
      if (this.#pump === 'done' && this.#running === 0 && this.#unread() === 0) {
        // The source is exhausted and everything was read.
        this.#phase = 'done';
        this.#detach();
        while (this.#readers.grant(DONE));
        return;
      }
      if (this.#pump === 'waiting' && this.#hasCapacity()) this.#wakePump();
    } else if (this.#phase === 'stopping') {
      // A pending pull of the source cannot be cancelled, so stopping does not wait for it.
      if (this.#running === 0 && this.#pump !== 'busy' && this.#pump !== 'waiting') this.#finalize();
    }
  }

  #wakePump(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  /** Ends production: the first stop keeps its error (NONE for `return()`) and aborts the items' signal. */
  #stop(error: unknown, reason: unknown): void {
    if (this.#phase !== 'open') return;
    this.#phase = 'stopping';
    this.#error = error;
    this.#byIndex?.clear();
    this.#inOrder?.clear();
    this.#controller!.abort(reason);
    this.#wakePump();
    this.#check();
  }

  #detach(): void {
    this.#removeAbort?.();
    this.#removeAbort = undefined;
  }

  /** Every started item has settled: close the source (left early), then end. */
  #finalize(): void {
    if (this.#finalizing) return;
    this.#finalizing = true;
    this.#detach();
    let closing: Promise<void> | undefined;
    try {
      closing = this.#source!.close();
    } catch (error) {
      this.#end(error);
      return;
    }
    if (closing === undefined) this.#end(NONE);
    else
      closing.then(
        () => this.#end(NONE),
        (error: unknown) => this.#end(error),
      );
  }

  #end(closeError: unknown): void {
    this.#phase = 'done';
    const returned = this.#returned;
    if (returned !== undefined) {
      // The consumer left: an error that stopped the stream meanwhile has no one to go to.
      this.#returned = undefined;
      this.#error = NONE;
      returned(closeError);
    }
    // Closing a source after an error is cleanup: its own error does not replace the first one.
    for (let reader = this.#readers.shift(); reader !== undefined; reader = this.#readers.shift()) {
      if (this.#error === NONE) reader.resolve(DONE);
      else {
        reader.reject(this.#error);
        this.#error = NONE;
      }
    }
  }
}
