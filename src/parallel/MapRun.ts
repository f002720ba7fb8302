import { TimeoutError } from '../core/errors.js';
import { RunLife, type RunOutcome } from '../core/RunLife.js';
import type { ItemWork, Source } from '../core/types.js';
import { MapOutcomes } from './MapOutcomes.js';
import { type MapConfig, readMapOptions } from './mapOptions.js';
import { Puller } from './pull.js';
import { runAll } from './runAll.js';
import { CounterSlots, type MapSlots, type Outcome } from './slots.js';

/** Where the pump of a run stands; 'detached' once a stop left it behind in a `next()` that does not settle. */
type PumpState = 'off' | 'on' | 'pulling' | 'detached';

/**
 * The one map engine: one run of `asyncParallelMap`, `asyncParallelFilter` or `AsyncExecutor.mapAsync`.
 *
 * Its room comes from a {@link MapSlots}. With the plain counter of a standalone map it keeps three fast paths:
 * - room for every item and no limiter: {@link runAll} calls `fn` for every item in one synchronous loop and
 *   waits with `Promise.all` (no closure or promise of ours per item);
 * - arrays and sync iterables: up to `maxConcurrent` async workers, each one slot of the counter, loop
 *   `claim the next index -> await fn(item, index, signal) -> store`, the shape of a hand-written worker loop;
 * - otherwise (async sources, or any source on an executor's slots) one pump takes a slot, pulls one item and
 *   starts it in that slot, which the item gives back when it settles.
 * Each item waits for its limiter token (if any) in its slot, so token waits run up to the bound at once and
 * are requested in input order.
 *
 * Its life is a {@link RunLife}: it holds the workers, the pump and the items the pump started, plus the
 * starter itself, and settles exactly once after they all settled (so every started call of `fn` has settled)
 * and the source of a run that stopped early was closed. The items share its one cancel scope: the caller's
 * signal and the deadline abort it, and so does the first stop.
 * @internal
 */
export class MapRun<T, R> {
  /** The items as pulled, kept for the filter when the source is not an array. */
  seen: T[] | undefined;
  readonly #fn: ItemWork<T, R>;
  readonly #items: Source<T>;
  readonly #config: MapConfig<T>;
  readonly #slots: MapSlots;
  readonly #counter: boolean;
  #life!: RunLife;
  #signal!: AbortSignal;
  #pump: PumpState = 'off';
  #out: R[] = [];
  #acquireOptions!: { signal: AbortSignal };
  readonly #limited: boolean;
  #array: ArrayLike<T> | undefined;
  #n = 0;
  #next = 0;
  #outcomes!: MapOutcomes<T>;
  #resolve!: (value: R[]) => void;
  #reject!: (error: unknown) => void;
  #source: Puller<T> | undefined = undefined;
  /** Wakes a pump waiting for a slot: true with the slot taken, false when the run stopped. */
  #wake: ((granted: boolean) => void) | undefined = undefined;

  constructor(
    fn: ItemWork<T, R>,
    items: Source<T>,
    config: MapConfig<T>,
    keepItems: boolean,
    slots?: MapSlots,
  ) {
    this.#fn = fn;
    this.#items = items;
    this.#config = config;
    this.#counter = slots === undefined;
    this.#slots = slots ?? new CounterSlots(config.maxConcurrent);
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
    const { signal, timeout, clock, maxConcurrent, name } = this.#config;
    const life = new RunLife({
      signal,
      timeout,
      clock,
      timeoutReason: () => new TimeoutError(`${name} did not finish within ${timeout} ms.`, { timeout }),
      onStop: () => this.#stopped(),
      onSettle: (outcome) => this.#settle(outcome),
    });
    this.#life = life;
    this.#signal = life.signal;
    this.#outcomes = new MapOutcomes(this.#config, life);
    this.#acquireOptions = { signal: this.#signal };
    const outcomes = this.#outcomes;
    if (this.#array !== undefined) outcomes.setTotal(this.#n);
    // One Promise.all cannot say when each item settles: with onProgress, the workers run instead.
    const fast = this.#counter && !this.#limited && !outcomes.tracking;
    if (this.#array !== undefined && fast && maxConcurrent >= this.#n) this.#startAll(this.#array);
    else if (this.#array !== undefined && this.#counter) {
      const n = this.#n;
      this.#out = new Array<R>(n);
      for (let w = 0; w < maxConcurrent && w < n && this.#life.running; w++) {
        this.#life.hold();
        void this.#arrayWorker().then(this.#releaseOne);
      }
    } else {
      try {
        this.#source = new Puller(this.#items);
      } catch (error) {
        this.#outcomes.sourceFailed(error);
      }
      const source = this.#source;
      if (source !== undefined) this.#life.closeWith(source);
      if (source === undefined) {
        // the source failed to open: nothing to run
      } else if (!source.async && fast && maxConcurrent === Number.POSITIVE_INFINITY) this.#startAll(source);
      else if (!source.async && this.#counter) {
        for (let w = 0; w < maxConcurrent && !source.finished && this.#life.running; w++) {
          this.#life.hold();
          void this.#iterWorker().then(this.#releaseOne);
        }
      } else {
        this.#life.hold();
        this.#pump = 'on';
        void this.#runPump();
      }
    }
    this.#life.release();
    return promise;
  }

  #startAll(items: ArrayLike<T> | Puller<T>): void {
    const pulled = runAll(this.#fn, items, this.#life, this.#outcomes, (values) => {
      this.#out = values;
    });
    if (pulled !== undefined && this.seen !== undefined) this.seen = pulled;
  }

  /** Stops the run from outside (an executor's cancelling shutdown): rejects with `reason` once items settled. */
  stop(reason: unknown): void {
    this.#life.stop(reason, reason);
  }

  /** Releases one worker's hold; attached outside the async workers, so their optimized code stays lean. */
  readonly #releaseOne = (): void => this.#life.release();

  // The two workers keep few locals on purpose: every await saves and restores the live locals of the
  // function, and they await once per item (measured: ~10 ns per item at concurrency 1).
  async #arrayWorker(): Promise<void> {
    while (this.#life.running) {
      const j = this.#next;
      if (j >= this.#n) break;
      this.#next = j + 1;
      if (this.#limited && !(await this.#acquire(this.#array![j] as T, j))) continue;
      try {
        this.#out[j] = await this.#fn(this.#array![j] as T, j, this.#signal);
        if (this.#outcomes.tracking) this.#outcomes.succeeded();
      } catch (error) {
        this.#outcomes.fail(error, this.#array![j] as T, j);
      }
    }
  }

  async #iterWorker(): Promise<void> {
    while (this.#life.running && !this.#source!.finished) {
      let r: IteratorResult<T>;
      try {
        r = this.#source!.nextSync();
      } catch (error) {
        this.#outcomes.sourceFailed(error);
        break;
      }
      if (r.done) {
        this.#outcomes.setTotal(this.#next);
        break;
      }
      const j = this.#next++;
      if (this.seen !== undefined) this.seen[j] = r.value;
      if (this.#limited && !(await this.#acquire(r.value, j))) continue;
      try {
        this.#out[j] = await this.#fn(r.value, j, this.#signal);
        if (this.#outcomes.tracking) this.#outcomes.succeeded();
      } catch (error) {
        this.#outcomes.fail(error, r.value, j);
      }
    }
  }

  /**
   * Takes a slot, pulls one item in it and starts the item there, for as long as the run goes on. Holds one
   * hold on the run until it stops pulling. A stop during a pull of an async source leaves the pump behind
   * ('detached'): the slot and the count are given back at once, and whatever the pull brings is dropped.
   */
  async #runPump(): Promise<void> {
    const source = this.#source!;
    const slots = this.#slots;
    while (this.#life.running) {
      if (!slots.tryTake() && !(await this.#waitForSlot())) break;
      if (!this.#life.running) {
        slots.give();
        break;
      }
      let r: IteratorResult<T>;
      try {
        if (source.async) {
          this.#pump = 'pulling';
          r = await source.nextAsync();
        } else r = source.nextSync();
      } catch (error) {
        if (this.#pump === 'detached') return;
        this.#pump = 'on';
        slots.give();
        this.#outcomes.sourceFailed(error);
        break;
      }
      if (this.#pump === 'detached') return;
      this.#pump = 'on';
      if (r.done) this.#outcomes.setTotal(this.#next);
      if (!this.#life.running || r.done) {
        slots.give();
        break;
      }
      const j = this.#next++;
      if (this.seen !== undefined) this.seen[j] = r.value;
      this.#life.hold();
      void this.#runItem(r.value, j);
    }
    this.#pump = 'off';
    this.#life.release();
  }

  #waitForSlot(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.#wake = resolve;
      this.#slots.wait(() => {
        if (this.#wake !== resolve) return false; // stopped meanwhile: the slot is not wanted
        this.#wake = undefined;
        resolve(true);
        return true;
      });
    });
  }

  /** Runs one item of the pump in the slot it holds, then gives the slot back. */
  async #runItem(item: T, j: number): Promise<void> {
    let outcome: Outcome | undefined;
    if (!this.#limited || (await this.#acquire(item, j))) {
      this.#slots.started?.();
      try {
        this.#out[j] = await this.#fn(item, j, this.#signal);
        outcome = 'completed';
        if (this.#outcomes.tracking) this.#outcomes.succeeded();
      } catch (error) {
        outcome = this.#outcomes.fail(error, item, j) ? 'failed' : 'cancelled';
      }
    }
    this.#slots.give(outcome);
    this.#life.release();
  }

  /** Waits for one limiter token; false when the item must not start (stopped, or the limiter failed). */
  async #acquire(item: T, j: number): Promise<boolean> {
    try {
      await this.#config.limiter!.acquire(1, this.#acquireOptions);
    } catch (error) {
      this.#outcomes.fail(error, item, j);
      return false;
    }
    return this.#life.running;
  }

  /** The first stop: the items' signal has aborted; wake a pump waiting for a slot, leave a hung pull behind. */
  #stopped(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake(false);
    }
    if (this.#pump === 'pulling') {
      // A pending next() of the source cannot be cancelled: do not wait for it, and free its slot.
      this.#pump = 'detached';
      this.#slots.give();
      this.#life.release();
    }
  }

  /** Every started item settled and a source left early was closed (its own error dropped: the run rejects). */
  #settle({ stopped, rejection }: RunOutcome): void {
    this.#slots.closed?.();
    const aggregate = stopped ? undefined : this.#outcomes.aggregate();
    if (stopped) this.#reject(rejection);
    else if (aggregate !== undefined) this.#reject(aggregate);
    else this.#resolve(this.#out);
  }

  /**
   * One small finished run, kept for as long as the class lives. A full GC frees the hidden classes (maps) of
   * objects that are all dead; the optimized workers depend on those maps, so the next run after a `gc()`
   * threw its optimized code away ("code dependencies" in `node --trace-deopt`) and learnt the shapes again: a
   * map of 200,000 items at concurrency 16 then took about 2x the hand-written loop. A live instance of each
   * class of a run (taking the workers' path: fewer slots than items) keeps their maps.
   */
  static readonly #kept: MapRun<number, number>[] = [];
  static {
    const items = [0, 1, 2];
    const same = async (x: number): Promise<number> => x;
    const config = readMapOptions('asyncParallelMap', same, items, { maxConcurrent: 2 });
    const run = new MapRun(same, items, config, false);
    MapRun.#kept.push(run);
    void run.start();
  }
}
