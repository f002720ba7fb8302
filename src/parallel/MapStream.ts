import type { Clock } from '../core/Clock.js';
import { type Context, captureContext, runInContext } from '../core/context.js';
import { CancelledError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { RunLife, type RunOutcome } from '../core/RunLife.js';
import type { ItemWork, MapProgress, Source } from '../core/types.js';
import { isThenable } from '../core/validate.js';
import { MapOutcomes } from './MapOutcomes.js';
import { OrderedResults } from './OrderedResults.js';
import { Puller } from './pull.js';
import { Readers } from './Readers.js';
import { StreamPump } from './StreamPump.js';

/** The checked options of one stream. @internal */
export interface MapStreamConfig {
  maxConcurrent: number;
  ordered: boolean;
  buffer: number;
  signal: AbortSignal | undefined;
  onProgress: ((progress: MapProgress) => void) | undefined;
  clock: Clock;
}

/** Nothing (no result to take, no error to hand out): the ordered results' own empty mark. */
const NONE: typeof OrderedResults.EMPTY = OrderedResults.EMPTY;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** What a read of the stream gets. */
type Read<R> = IteratorResult<R, undefined>;

/**
 * The iterator behind `asyncParallelMapStream`: the result side of a stream, on top of its source side, the
 * {@link StreamPump} that pulls the source while there is capacity and starts `fn` on each item. Finished
 * results wait in `#byIndex` (ordered) or `#inOrder` (completion order) until a reader takes them, and readers
 * that come first wait in `#readers`.
 *
 * When the item a read asks for is running (the pump pulls an async generator one ahead), the read is that
 * item's own `then` promise ({@link #takeRunning}): one promise per item for the pull, one for the item. This
 * took the stream from about 2.2x to 1.35x the hand-written bounded pipeline (docs/performance.md, Streams).
 *
 * Its life is the maps' {@link RunLife}: it holds the pump and every running item, stops on the first error,
 * an abort or `return()` (the items' signal aborts and unread results are dropped), and settles once they all
 * settled and the source was closed. The stream then ends: readers get what is left unread, then `done`, or
 * the error that stopped it, once.
 * @internal
 */
export class MapStream<T, R> extends StreamPump<T, R> implements AsyncIterableIterator<R, undefined> {
  readonly #items: Source<T>;
  readonly #config: MapStreamConfig;
  #yieldIndex = 0;
  /** The index of the head item in flight (see {@link #fulfilledHead}). */
  #headIndex = -1;
  /**
   * Ordered streams with a finite `buffer`: the `then` promise of each running item by index (a ring of the
   * ordered results' size), which a read of that index may take as its own (see {@link #takeRunning}).
   */
  readonly #runningByIndex: (Promise<Read<R> | undefined> | undefined)[] | undefined;
  readonly #runningMask: number = 0;
  /** The index whose `then` promise a read took, until that item settles (-1: none). */
  #held = -1;
  readonly #byIndex: OrderedResults<R> | undefined;
  readonly #inOrder: RingBuffer<R> | undefined;
  readonly #readers = new Readers<Read<R>>();
  /** The run is over: only unread results, then `done` or `#error`, are left to hand out. */
  #ended = false;
  /** The error to hand to the next reader once the stream ended (NONE: none). */
  #error: unknown = NONE;
  #returning: Promise<Read<R>> | undefined = undefined;
  #returned: ((closeError: unknown) => void) | undefined = undefined;
  /** The caller's context (SPEC §2.9): the source is pulled and `fn` runs in it, wherever `next()` is called. */
  readonly #context: Context = captureContext();

  constructor(fn: ItemWork<T, R>, items: Source<T>, config: MapStreamConfig) {
    super(fn, config.maxConcurrent, config.buffer);
    this.#items = items;
    this.#config = config;
    if (config.ordered) {
      this.#byIndex = new OrderedResults(config.buffer);
      if (Number.isFinite(config.buffer)) {
        this.#runningMask = this.#byIndex.capacity - 1;
        this.#runningByIndex = new Array(this.#byIndex.capacity);
      }
    } else this.#inOrder = new RingBuffer();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next result; starts the work on the first call. Rejects with the error that ended the stream, once. */
  next(): Promise<Read<R>> {
    if (this.life === undefined && !this.#ended) runInContext(this.#context, () => this.#open(), undefined);
    const value = this.#take();
    if (value !== NONE) {
      this.resumePumpIn(this.#context);
      return Promise.resolve({ done: false, value });
    }
    if (this.#ended) {
      const error = this.#error;
      if (error === NONE) return Promise.resolve(DONE);
      this.#error = NONE;
      return Promise.reject(error);
    }
    const held = this.#takeRunning();
    if (held !== undefined) return held;
    return this.#readers.wait();
  }

  /**
   * When the next item to read is running and no other read waits, the read can be that item's own `then`
   * promise (its handlers hand back the result, see {@link #fulfilledHeld}): no promise of the read's own.
   */
  #takeRunning(): Promise<Read<R>> | undefined {
    const running = this.#runningByIndex;
    if (running === undefined || this.#held !== -1 || this.#readers.size > 0) return undefined;
    const slot = this.#yieldIndex & this.#runningMask;
    const promise = running[slot];
    if (promise === undefined) return undefined;
    running[slot] = undefined;
    this.#held = this.#yieldIndex++;
    // A held item's handlers always return a result or a promise of one (undefined only when not held).
    return promise as Promise<Read<R>>;
  }

  /**
   * Stops the stream (what `break` in `for await` calls): aborts the running items, drops unread results, and
   * resolves once every started item has settled and the source's `return()` has completed. Rejects with the
   * error of the source's `return()`, if it throws. A pull of the source still pending is not waited for (it
   * may never settle): the source's `return()` is asked for at once and runs once that pull settles.
   */
  return(): Promise<Read<R>> {
    if (this.#returning !== undefined) return this.#returning;
    const life = this.life;
    if (life === undefined || this.#ended) {
      this.#end();
      this.#returning = Promise.resolve(DONE);
      return this.#returning;
    }
    this.#returning = new Promise<Read<R>>((resolve, reject) => {
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
    let source: Puller<T>;
    try {
      source = new Puller(this.#items);
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
        this.stopPump();
        // A read that took a running item's promise gets the stream's end, not a result, once it settles.
      },
      onSettle: (outcome) => this.#settled(outcome),
    });
    const { onProgress } = this.#config;
    const rules = { name: 'asyncParallelMapStream', stopOnError: true, onError: undefined, onProgress };
    const outcomes = new MapOutcomes<T>(rules, life);
    if (Array.isArray(this.#items)) outcomes.setTotal(this.#items.length);
    this.openPump(source, life, outcomes);
    life.release(); // the starter
  }

  protected unread(): number {
    return this.#byIndex !== undefined ? this.#byIndex.size : this.#inOrder!.size;
  }

  /** Removes and returns the next deliverable result, or NONE. */
  #take(): R | typeof NONE {
    const byIndex = this.#byIndex;
    if (byIndex !== undefined) {
      const value = byIndex.take(this.#yieldIndex);
      if (value !== NONE) this.#yieldIndex++;
      return value;
    }
    const inOrder = this.#inOrder!;
    return inOrder.size === 0 ? NONE : (inOrder.shift() as R);
  }

  /**
   * An ordered stream watches a running item through its `then` promise, which a read may take (the item's one
   * closure); when a read already waits for this very item, handlers bound once serve it instead.
   */
  protected watchPulled(out: R | PromiseLike<R>, index: number): void {
    const running = this.#runningByIndex;
    if (out instanceof Promise && running !== undefined) {
      if (index === this.#yieldIndex && this.#readers.size > 0) {
        this.#headIndex = index;
        out.then(this.#fulfilledHead, this.failed);
      } else
        running[index & this.#runningMask] = out.then(
          (value: R) => this.#fulfilledHeld(index, value),
          (error: unknown) => this.#rejectedHeld(index, error),
        );
    } else this.watch(out, index);
  }

  /** A thenable gets one pair of handlers (in an ordered stream, the fulfilment one is the item's closure). */
  protected watch(out: R | PromiseLike<R>, index: number): void {
    const byIndex = this.#byIndex;
    let promise: PromiseLike<R>;
    // A native promise takes the handlers directly (one promise less); another thenable is adopted first.
    if (out instanceof Promise) promise = out;
    else if (isThenable(out)) promise = Promise.resolve(out);
    else {
      if (byIndex !== undefined) this.#fulfilled(index, out);
      else this.#fulfilledUnordered(out);
      return;
    }
    if (byIndex !== undefined) promise.then((value) => this.#fulfilled(index, value), this.failed);
    else promise.then(this.#fulfilledUnordered, this.failed);
  }

  /** An item of an ordered stream fulfilled: its result waits for its turn. */
  #fulfilled(index: number, value: R): void {
    const life = this.life!;
    this.running--;
    if (this.tracking) this.outcomes!.succeeded();
    if (!this.stopped) {
      // A reader waits for exactly this result: hand it over without the round trip through #byIndex.
      if (index === this.#yieldIndex && this.#readers.size > 0) {
        this.#yieldIndex++;
        this.#readers.grant({ done: false, value });
      } else this.#byIndex!.set(index, value);
    }
    this.#check();
    life.release();
  }

  /**
   * The head item (started while its index was the next to read) fulfilled. Another takes that role only once
   * the reader moved past this one, after it settled: one at a time, so its index waits in a field.
   */
  readonly #fulfilledHead = (value: R): void => {
    this.#fulfilled(this.#headIndex, value);
  };

  /**
   * An item of an ordered stream fulfilled, observed through its `then` promise: a read may hold that promise
   * (see {@link #takeRunning}), and then what this returns is the read's result: the value, or, once the stream
   * stopped, the stream's end (a read at the front of the line, settled when the stream ends).
   */
  #fulfilledHeld(index: number, value: R): Read<R> | Promise<Read<R>> | undefined {
    this.#runningByIndex![index & this.#runningMask] = undefined;
    if (this.#held !== index) {
      this.#fulfilled(index, value);
      return undefined;
    }
    this.#held = -1;
    const life = this.life!;
    this.running--;
    if (this.tracking) this.outcomes!.succeeded();
    const result = this.stopped ? this.#readers.waitFirst() : { done: false as const, value };
    this.#check();
    life.release();
    return result;
  }

  /** An item of an ordered stream failed, observed through its `then` promise (see {@link #fulfilledHeld}). */
  #rejectedHeld(index: number, error: unknown): Promise<Read<R>> | undefined {
    this.#runningByIndex![index & this.#runningMask] = undefined;
    let result: Promise<Read<R>> | undefined;
    if (this.#held === index) {
      this.#held = -1;
      // Registered before the failure is counted: counting it may end the stream, which settles this read.
      result = this.#readers.waitFirst();
    }
    this.failed(error);
    return result;
  }

  /** An item of an unordered stream fulfilled: its result is next in line. */
  readonly #fulfilledUnordered = (value: R): void => {
    const life = this.life!;
    this.running--;
    if (this.tracking) this.outcomes!.succeeded();
    if (!this.stopped) this.#inOrder!.push(value);
    this.#check();
    life.release();
  };

  /**
   * An item failed (or its `fn` threw). The stream has no `onError`, the only reader of the item and its index
   * in `MapOutcomes.fail`, so this handler is shared by every item and passes neither.
   */
  protected readonly failed = (error: unknown): void => {
    const life = this.life!;
    this.running--;
    this.outcomes!.fail(error, undefined as T, -1);
    this.#check();
    life.release();
  };

  /** Moves the stream on after a result came in: deliver to waiting readers, resume a waiting pump. */
  #check(): void {
    const readers = this.#readers;
    while (readers.size > 0) {
      const value = this.#take();
      if (value === NONE) break;
      readers.grant({ done: false, value });
    }
    this.resumePump();
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
