import type { Clock } from '../core/Clock.js';
import { type Context, captureContext, runInContext } from '../core/context.js';
import { CancelledError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { RunLife, type RunOutcome } from '../core/RunLife.js';
import type { ItemWork, MapProgress, Source } from '../core/types.js';
import { MapOutcomes } from './MapOutcomes.js';
import { OrderedResults } from './OrderedResults.js';
import { Puller } from './pull.js';
import { Readers } from './Readers.js';

/** The checked options of one stream. @internal */
export interface MapStreamConfig {
  maxConcurrent: number;
  ordered: boolean;
  buffer: number;
  signal: AbortSignal | undefined;
  onProgress: ((progress: MapProgress) => void) | undefined;
  clock: Clock;
}

const NONE: unique symbol = Symbol('ferris.none');
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Where the pump stands; 'detached' once a stop left it behind in a `next()` that does not settle. */
type PumpState = 'busy' | 'waiting' | 'pulling' | 'done' | 'detached';

/**
 * The iterator behind `asyncParallelMapStream`. A pump pulls the source whenever there is capacity and starts
 * `fn` on each item; finished results wait in `#byIndex` (ordered) or `#inOrder` (completion order) until a
 * reader takes them, and readers that come first wait in `#readers`.
 *
 * Capacity (the backpressure): an item starts only while `running < maxConcurrent` and
 * `running + unread < buffer`, so even if every running item finished at once, no more than `buffer` results
 * would wait unread. Memory is O(maxConcurrent + buffer), whatever the length of the source.
 *
 * Its life is the maps' {@link RunLife}: it holds the pump and every running item, stops on the first error,
 * an abort or `return()` (the items' signal aborts and unread results are dropped), and settles once they all
 * settled and the source was closed. The stream then ends: readers get what is left unread, then `done`, or
 * the error that stopped it, once.
 * @internal
 */
export class MapStream<T, R> implements AsyncIterableIterator<R, undefined> {
  readonly #fn: ItemWork<T, R>;
  readonly #items: Source<T>;
  readonly #config: MapStreamConfig;
  #life: RunLife | undefined = undefined;
  #outcomes: MapOutcomes<T> | undefined = undefined;
  #source: Puller<T> | undefined = undefined;
  #pump: PumpState = 'busy';
  #wake: (() => void) | undefined = undefined;
  #running = 0;
  #nextIndex = 0;
  #yieldIndex = 0;
  readonly #byIndex: OrderedResults<R> | undefined;
  readonly #inOrder: RingBuffer<R> | undefined;
  readonly #readers = new Readers<IteratorResult<R, undefined>>();
  /** The run is over: only unread results, then `done` or `#error`, are left to hand out. */
  #ended = false;
  /** The error to hand to the next reader once the stream ended (NONE: none). */
  #error: unknown = NONE;
  #returning: Promise<IteratorResult<R, undefined>> | undefined = undefined;
  #returned: ((closeError: unknown) => void) | undefined = undefined;
  /** The caller's context (SPEC §2.9): the source is pulled and `fn` runs in it, wherever `next()` is called. */
  readonly #context: Context = captureContext();

  constructor(fn: ItemWork<T, R>, items: Source<T>, config: MapStreamConfig) {
    this.#fn = fn;
    this.#items = items;
    this.#config = config;
    if (config.ordered) this.#byIndex = new OrderedResults(config.buffer);
    else this.#inOrder = new RingBuffer();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result; starts the work on the first call. Rejects with the error that ended the stream, once. */
  next(): Promise<IteratorResult<R, undefined>> {
    if (this.#life === undefined && !this.#ended) runInContext(this.#context, () => this.#open(), undefined);
    const value = this.#take();
    if (value !== NONE) {
      this.#check();
      return Promise.resolve({ done: false, value });
    }
    if (this.#ended) {
      const error = this.#error;
      if (error === NONE) return Promise.resolve(DONE);
      this.#error = NONE;
      return Promise.reject(error);
    }
    return this.#readers.wait();
  }

  /**
   * Stops the stream (what `break` in `for await` calls): aborts the running items, drops unread results, and
   * resolves once every started item has settled and the source's `return()` has completed. Rejects with the
   * error of the source's `return()`, if it throws.
   */
  return(): Promise<IteratorResult<R, undefined>> {
    if (this.#returning !== undefined) return this.#returning;
    const life = this.#life;
    if (life === undefined || this.#ended) {
      this.#end();
      this.#returning = Promise.resolve(DONE);
      return this.#returning;
    }
    this.#returning = new Promise<IteratorResult<R, undefined>>((resolve, reject) => {
      this.#returned = (closeError) => (closeError === NONE ? resolve(DONE) : reject(closeError));
    });
    life.stop(NONE, new CancelledError('Cancelled because the consumer of the stream stopped reading.'));
    return this.#returning;
  }

  /** `await using stream = asyncParallelMapStream(...)` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #open(): void {
    const signal = this.#config.signal;
    if (signal?.aborted) {
      this.#end(signal.reason);
      return;
    }
    try {
      this.#source = new Puller(this.#items);
    } catch (error) {
      this.#end(error);
      return;
    }
    const life = new RunLife({
      signal,
      clock: this.#config.clock,
      onStop: () => {
        this.#byIndex?.clear();
        this.#inOrder?.clear();
        this.#wakePump();
        if (this.#pump === 'pulling') {
          // A pending next() of the source cannot be cancelled: do not wait for it.
          this.#pump = 'detached';
          life.release();
        }
      },
      onSettle: (outcome) => this.#settled(outcome),
    });
    this.#life = life;
    this.#outcomes = new MapOutcomes(
      {
        name: 'asyncParallelMapStream',
        stopOnError: true,
        onError: undefined,
        onProgress: this.#config.onProgress,
      },
      life,
    );
    if (Array.isArray(this.#items)) this.#outcomes.setTotal(this.#items.length);
    life.closeWith(this.#source);
    life.hold(); // the pump
    void this.#runPump();
    life.release(); // the starter
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
      const value = byIndex.take(this.#yieldIndex);
      if (value === OrderedResults.EMPTY) return NONE;
      this.#yieldIndex++;
      return value as R;
    }
    const inOrder = this.#inOrder!;
    return inOrder.size === 0 ? NONE : (inOrder.shift() as R);
  }

  async #runPump(): Promise<void> {
    const source = this.#source!;
    const life = this.#life!;
    while (life.running) {
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
          if ((this.#pump as PumpState) === 'detached') return; // stopped while pulling: the item is dropped
          this.#pump = 'busy';
        } else r = source.nextSync();
      } catch (error) {
        if (this.#pump === 'detached') return;
        this.#pump = 'busy';
        this.#outcomes!.sourceFailed(error);
        break;
      }
      if (r.done) this.#outcomes!.setTotal(this.#nextIndex);
      if (!life.running || r.done) break;
      this.#start(r.value);
    }
    this.#pump = 'done';
    life.release();
  }

  #start(item: T): void {
    const index = this.#nextIndex++;
    this.#running++;
    this.#life!.hold();
    void this.#run(item, index);
  }

  async #run(item: T, index: number): Promise<void> {
    const life = this.#life!;
    let value: R;
    try {
      value = await this.#fn(item, index, life.signal);
    } catch (error) {
      this.#running--;
      this.#outcomes!.fail(error, item, index);
      this.#check();
      life.release();
      return;
    }
    this.#running--;
    if (this.#outcomes!.tracking) this.#outcomes!.succeeded();
    if (life.running) {
      if (this.#byIndex !== undefined) this.#byIndex.set(index, value);
      else this.#inOrder!.push(value);
    }
    this.#check();
    life.release();
  }

  /** Moves the stream on after any change: deliver to waiting readers, wake the pump. */
  #check(): void {
    while (this.#readers.size > 0) {
      const value = this.#take();
      if (value === NONE) break;
      this.#readers.grant({ done: false, value });
    }
    if (this.#pump === 'waiting' && this.#life?.running && this.#hasCapacity()) this.#wakePump();
  }

  #wakePump(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  /** Every started item settled and the source was closed: end the stream. */
  #settled({ stopped, rejection, closeError, closeFailed }: RunOutcome): void {
    const returned = this.#returned;
    if (returned !== undefined) {
      // The consumer left: an error that stopped the stream meanwhile has no one to go to.
      this.#returned = undefined;
      this.#end();
      returned(closeFailed ? closeError : NONE);
      return;
    }
    // Closing a source after an error is cleanup: its own error does not replace the first one.
    this.#end(stopped ? rejection : NONE);
  }

  /** The stream is over: hand out what is left unread, then `error` (once) or `done`. */
  #end(error: unknown = NONE): void {
    this.#ended = true;
    this.#error = error;
    this.#check();
    if (this.#error !== NONE && this.#readers.rejectFirst(this.#error)) this.#error = NONE;
    this.#readers.resolveAll(DONE);
  }
}
