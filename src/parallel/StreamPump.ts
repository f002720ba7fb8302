import { type Context, callInContext } from '../core/context.js';
import type { RunLife } from '../core/RunLife.js';
import type { ItemWork } from '../core/types.js';
import type { MapOutcomes } from './MapOutcomes.js';
import type { Puller } from './pull.js';

/** Where the pump stands; 'detached' once a stop left it behind in a `next()` that does not settle. */
type PumpState = 'busy' | 'waiting' | 'pulling' | 'done' | 'detached';

/**
 * The source side of a stream: the pump that pulls the source while there is room and calls `fn` on each item.
 * What becomes of an item once `fn` returned (its result, its read) is up to the result side, `MapStream`,
 * which extends this class: it says how many results wait unread ({@link unread}) and watches what `fn`
 * returned ({@link watch}, {@link watchPulled}, {@link failed}). One class on top of the other rather than two
 * objects, so the hot path reads and calls on one object, as it did in one file.
 *
 * The pump is not an async function: it is a state and handlers bound once. It pulls and starts while there
 * is capacity, then returns; a pull's handler starts the item and pulls again, and a full stream ('waiting') is
 * resumed by whatever frees room, an item settling or a read ({@link resumePump}). An async generator is
 * pulled one item ahead (its `next()` calls queue), so that the item a read asks for is usually running
 * already. Per item that leaves one promise for the pull, with its handlers bound once.
 *
 * Capacity (the backpressure): an item starts only while `running < maxConcurrent` and
 * `running + unread < buffer` (a pending pull counts as the item it will start), so even if every running item
 * finished at once, no more than `buffer` results would wait unread: memory is O(maxConcurrent + buffer).
 * @internal
 */
export abstract class StreamPump<T, R> {
  readonly #fn: ItemWork<T, R>;
  readonly #maxConcurrent: number;
  readonly #buffer: number;
  #source: Puller<T> | undefined = undefined;
  #pump: PumpState = 'busy';
  /** The items' signal, read once from the life. */
  #signal: AbortSignal | undefined = undefined;
  #nextIndex = 0;
  /** Pulls of the source not settled yet (up to `#ahead`). */
  #pulls = 0;
  /** How many pulls may be pending at once: 2 for an async generator (its calls queue), else 1. */
  #ahead = 1;
  /** An async pull said `done`; the pump ends once the other pending pull settled too. */
  #sourceEnded = false;
  /** The run's life (set by {@link openPump}): it holds the pump and every running item. */
  protected life: RunLife | undefined = undefined;
  protected outcomes: MapOutcomes<T> | undefined = undefined;
  /** Whether `onProgress` listens (the outcomes' `tracking`, read once). */
  protected tracking = false;
  /** Items started and not settled: the result side counts them down as they settle. */
  protected running = 0;
  /** The life stopped (its first stop, see {@link stopPump}): nothing new starts, results are dropped. */
  protected stopped = false;

  constructor(fn: ItemWork<T, R>, maxConcurrent: number, buffer: number) {
    this.#fn = fn;
    this.#maxConcurrent = maxConcurrent;
    this.#buffer = buffer;
  }

  /** How many results wait unread. */
  protected abstract unread(): number;
  /** Watches what `fn` returned for item `index` of a sync source (a plain value settles it at once). */
  protected abstract watch(out: R | PromiseLike<R>, index: number): void;
  /** Watches what `fn` returned for item `index` of an async source: a read may take it while it runs. */
  protected abstract watchPulled(out: R | PromiseLike<R>, index: number): void;
  /** An item failed: here, its `fn` threw synchronously. */
  protected abstract readonly failed: (error: unknown) => void;

  /** Starts the pump on `source` for `life`, which holds it until it ends. Runs in the caller's context. */
  protected openPump(source: Puller<T>, life: RunLife, outcomes: MapOutcomes<T>): void {
    this.#source = source;
    this.life = life;
    this.outcomes = outcomes;
    this.tracking = outcomes.tracking;
    this.#signal = life.signal;
    if (source.queues) this.#ahead = 2;
    life.closeWith(source);
    life.hold(); // the pump
    this.#pumpLoop();
  }

  /**
   * The life stopped: nothing new starts. A waiting pump ends; a pump whose pull of the source is pending is
   * not waited for (a pending `next()` cannot be cancelled): it is detached, and drops the item if one comes.
   */
  protected stopPump(): void {
    this.stopped = true;
    if (this.#pump === 'waiting') {
      this.#pump = 'done';
      this.life!.release();
    } else if (this.#pump === 'pulling') {
      this.#pump = 'detached';
      this.life!.release();
    }
  }

  /** Room was freed (an item settled): resume a waiting pump. A stop ends a waiting pump, so it still runs. */
  protected resumePump(): void {
    if (this.#pump === 'waiting' && this.#hasCapacity()) this.#pumpLoop();
  }

  /** A read freed room: resume a waiting pump in `context` (the reader may be anywhere). */
  protected resumePumpIn(context: Context): void {
    if (this.#pump === 'waiting' && this.#hasCapacity())
      callInContext(context, this.#pumpLoop, this, undefined);
  }

  /** Room for one more item: a pending pull counts as the item it will start. */
  #hasCapacity(): boolean {
    const busy = this.running + this.#pulls;
    return busy < this.#maxConcurrent && busy + this.unread() < this.#buffer;
  }

  /**
   * Pulls the source and starts items while there is room, then returns: with no capacity it is 'waiting'
   * (a settling item or a read resumes it); with pulls of an async source pending it is 'pulling', and
   * {@link #pulled} carries on. Runs in the caller's context: entered from {@link openPump} (inside it), from a
   * pull's or an item's handler (registered inside it), or through {@link resumePumpIn}.
   */
  #pumpLoop(): void {
    const source = this.#source!;
    this.#pump = 'busy';
    while (!this.stopped && this.#hasCapacity()) {
      if (source.async) {
        if (this.#pulls === this.#ahead || this.#sourceEnded) break;
        if (!this.#startPull()) return;
        continue;
      }
      let r: IteratorResult<T>;
      try {
        r = source.nextSync();
      } catch (error) {
        this.outcomes!.sourceFailed(error);
        this.#pumpEnds();
        return;
      }
      if (r.done) {
        this.outcomes!.setTotal(this.#nextIndex);
        this.#pumpEnds();
        return;
      }
      this.#start(r.value);
    }
    this.#pumpRests();
  }

  /** Asks the async source for one more item; false if that threw (the stream then stopped, the pump ended). */
  #startPull(): boolean {
    const source = this.#source!;
    let next: IteratorResult<T> | PromiseLike<IteratorResult<T>>;
    try {
      next = source.startPull();
    } catch (error) {
      source.pulling = this.#pulls > 0;
      this.outcomes!.sourceFailed(error);
      this.#pumpEnds();
      return false;
    }
    this.#pulls++;
    // A native promise (what async generators return) takes the handlers directly: one promise less.
    (next instanceof Promise ? next : Promise.resolve(next)).then(this.#pulled, this.#pullFailed);
    return true;
  }

  /** The pump stops for now: stopped (it ends), pulls pending ('pulling'), or no room ('waiting'). */
  #pumpRests(): void {
    if (this.stopped || (this.#sourceEnded && this.#pulls === 0)) this.#pumpEnds();
    else this.#pump = this.#pulls > 0 ? 'pulling' : 'waiting';
  }

  /** The pump is over (the source ended or threw, or the stream stopped): release its hold, once. */
  #pumpEnds(): void {
    this.#pump = this.#pulls > 0 ? 'detached' : 'done';
    this.life!.release();
  }

  /**
   * An async pull fulfilled: start its item, then pull again while there is room (or end at the source's end).
   * The hot path of a stream over an async source, so it does inline what {@link #start} does; measured on
   * Node 20, splitting it into calls cost about 5% of a stream's throughput.
   */
  readonly #pulled = (r: IteratorResult<T>): void => {
    const source = this.#source!;
    source.pulling = --this.#pulls > 0;
    if (this.#pump === 'detached') return; // stopped while pulling: the item is dropped
    if (r === null || typeof r !== 'object') {
      this.#sourceBroke(new TypeError(`The source's iterator result must be an object, got ${String(r)}.`));
      return;
    }
    if (r.done) {
      source.finished = true;
      if (!this.#sourceEnded) {
        this.#sourceEnded = true;
        this.outcomes!.setTotal(this.#nextIndex);
      }
      if (this.#pulls === 0) this.#pumpEnds();
      return;
    }
    this.#pump = 'busy';
    const index = this.#nextIndex++;
    this.running++;
    this.life!.hold();
    let out: R | PromiseLike<R>;
    try {
      out = this.#fn(r.value, index, this.#signal!);
    } catch (error) {
      this.failed(error);
      this.#pumpLoop();
      return;
    }
    this.watchPulled(out, index);
    this.#pumpLoop();
  };

  /** An async pull rejected: the source's error stops the stream. */
  readonly #pullFailed = (error: unknown): void => {
    this.#source!.pulling = --this.#pulls > 0;
    if (this.#pump === 'detached') {
      this.#source!.finished = true;
      return;
    }
    this.#sourceBroke(error);
  };

  /** The source threw or broke its protocol: it is finished, and its error stops the stream. */
  #sourceBroke(error: unknown): void {
    this.#source!.finished = true;
    this.#pump = 'busy'; // the stop below must not end the pump: it ends here, once
    this.outcomes!.sourceFailed(error);
    this.#pumpEnds();
  }

  /** Calls `fn` on the next item of a sync source. */
  #start(item: T): void {
    const index = this.#nextIndex++;
    this.running++;
    this.life!.hold();
    let out: R | PromiseLike<R>;
    try {
      out = this.#fn(item, index, this.#signal!);
    } catch (error) {
      this.failed(error);
      return;
    }
    this.watch(out, index);
  }
}
