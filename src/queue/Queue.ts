import type { Clock } from '../core/Clock.js';
import { QueueEmptyError, QueueFullError, QueueShutDownError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import type { WaitOptions } from '../core/types.js';
import { booleanOption, clockOption, integerOption, optionsBag, waitOptions } from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import {
  DEFAULT_QUEUE,
  type QueueEvents,
  type QueueOptions,
  type QueueShutdownOptions,
  type QueueStats,
} from './options.js';
import { QueueIterator } from './QueueIterator.js';
import type { QueueStorage } from './storage.js';

export type { QueueEvents, QueueOptions, QueueShutdownOptions, QueueStats } from './options.js';

/** Shared by every call that completes at once: a resolved promise can be awaited any number of times. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A first-in, first-out queue for passing items between async producers and consumers, with asyncio.Queue's
 * semantics (CPython 3.13, shutdown included). A bounded queue makes `put()` wait while it is full, which is
 * how a fast producer is held back; `get()` waits while it is empty. `taskDone()` and `join()` let a producer
 * wait until consumers have processed everything it put.
 *
 * Waiters are served in FIFO order and items are handed over directly: a `put()` while getters wait gives the
 * item to the first of them, and a `get()` from a full queue admits the first waiting putter's item, so no
 * later caller can barge in. A wait that aborts or times out is removed and leaves no trace: a cancelled
 * `get()` takes no item, a cancelled `put()` inserts nothing. Once a waiter has been granted its item or its
 * slot, a later abort is ignored and the wait resolves.
 *
 * Items travel through promises, so an item that is itself a promise or thenable is adopted by `get()`: wrap
 * such items (`{ value }`) to queue them as they are.
 *
 * Invariants: getters wait only while the queue is empty, putters only while it is full; `unfinished` counts
 * the items accepted by a put, minus `taskDone()` calls, minus the items an immediate shutdown dropped.
 *
 * Subclasses change the order by overriding {@link Queue.createStorage} (see `PriorityQueue`, `LifoQueue`).
 *
 * @example
 * ```ts
 * const queue = new Queue<string>({ maxsize: 100 });
 * const worker = (async () => {
 *   for await (const url of queue) {
 *     await fetch(url);
 *     queue.taskDone();
 *   }
 * })();
 * for (const url of urls) await queue.put(url);
 * await queue.join(); // every url fetched
 * queue.shutdown(); // the worker's loop ends
 * await worker;
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  /** `maxsize` as a bound: 0 becomes `Infinity`. */
  readonly #capacity: number;
  readonly #clock: Clock;
  readonly #storage: QueueStorage<T>;
  readonly #getters = new WaitList<T>();
  readonly #putters = new WaitList<void, T>();
  readonly #joiners = new WaitList<void>();
  #unfinished = 0;
  #shutDown = false;
  /** Made on the first `on()`: a queue nobody observes pays one field check per event. */
  #events: Emitter<QueueEvents<T>> | undefined = undefined;

  /**
   * @throws RangeError if `maxsize` is negative, NaN or not an integer (`Infinity` is allowed); TypeError if
   * it is not a number or `clock` is not a Clock.
   */
  constructor(options?: QueueOptions) {
    const name = new.target.name;
    const o = optionsBag(`${name} options`, options);
    this.#maxsize = integerOption(`${name} options.maxsize`, o.maxsize, DEFAULT_QUEUE.maxsize, 0, true);
    this.#capacity = this.#maxsize === 0 ? Number.POSITIVE_INFINITY : this.#maxsize;
    this.#clock = clockOption(`${name} options.clock`, o.clock);
    this.#storage = this.createStorage(o);
  }

  /**
   * Makes the storage that decides the order items come out in; called once, from the constructor, with the
   * options as passed (so a subclass reads its own options here: its fields are not set yet). The default is a
   * FIFO ring buffer.
   */
  protected createStorage(_options: QueueOptions): QueueStorage<T> {
    return new RingBuffer<T>();
  }

  /** Number of items in the queue. */
  get size(): number {
    return this.#storage.size;
  }

  /** The `maxsize` option as given: 0 or `Infinity` for an unbounded queue. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** Whether the queue holds no item. */
  get empty(): boolean {
    return this.#storage.size === 0;
  }

  /** Whether the queue holds `maxsize` items, so that `put()` would wait; always false when unbounded. */
  get full(): boolean {
    return this.#storage.size >= this.#capacity;
  }

  /** Whether `shutdown()` has been called. */
  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /**
   * Adds `item`, waiting while the queue is full. Resolves once the item is in the queue (or handed to a
   * waiting getter); it then counts as unfinished until a `taskDone()`.
   * @throws QueueShutDownError (rejection) if the queue is shut down, before or while waiting.
   * @throws The signal's reason (rejection) when `signal` aborts before the item is accepted, or at once if it
   * already has; `TimeoutError` when `timeout` ms pass first. Either way nothing is inserted.
   * @throws TypeError/RangeError (synchronously) for malformed options.
   * @example
   * ```ts
   * await queue.put(job, { timeout: 1000 });
   * ```
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    const o = waitOptions('queue.put', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#shutDown) return Promise.reject(new QueueShutDownError());
    // Putters wait only while the queue is full, so room now means no one is ahead of this call.
    if (this.#storage.size < this.#capacity) {
      this.#accept(item);
      return RESOLVED;
    }
    return this.#putters.wait(o, this.#clock, item);
  }

  /**
   * Adds `item` if there is room, without waiting.
   * @throws QueueFullError if the queue is full; QueueShutDownError if it is shut down.
   * @example
   * ```ts
   * try { queue.putNowait(event); } catch (e) { if (e instanceof QueueFullError) dropped++; else throw e; }
   * ```
   */
  putNowait(item: T): void {
    if (this.#shutDown) throw new QueueShutDownError();
    if (this.#storage.size >= this.#capacity) throw new QueueFullError();
    this.#accept(item);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. After `shutdown()` it still returns
   * the items left, then rejects.
   * @throws QueueShutDownError (rejection) once the queue is shut down and empty, including for getters
   * already waiting when that happens.
   * @throws The signal's reason (rejection) when `signal` aborts before an item arrives, or at once if it
   * already has; `TimeoutError` when `timeout` ms pass first. Either way no item is taken.
   * @throws TypeError/RangeError (synchronously) for malformed options.
   * @example
   * ```ts
   * const job = await queue.get({ signal });
   * ```
   */
  get(options?: WaitOptions): Promise<T> {
    const o = waitOptions('queue.get', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#storage.size > 0) return Promise.resolve(this.#take());
    if (this.#shutDown) return Promise.reject(new QueueShutDownError());
    return this.#getters.wait(o, this.#clock, undefined);
  }

  /**
   * Removes and returns the next item without waiting.
   * @throws QueueEmptyError if the queue is empty; QueueShutDownError if it is also shut down.
   * @example
   * ```ts
   * while (!queue.empty) batch.push(queue.getNowait());
   * ```
   */
  getNowait(): T {
    if (this.#storage.size > 0) return this.#take();
    if (this.#shutDown) throw new QueueShutDownError();
    throw new QueueEmptyError();
  }

  /**
   * Marks one item got from the queue as processed; when no unfinished item is left, `join()` resolves.
   * @throws RangeError if called more times than items were put (nothing is unfinished).
   * @example
   * ```ts
   * const job = await queue.get();
   * try { await run(job); } finally { queue.taskDone(); }
   * ```
   */
  taskDone(): void {
    if (this.#unfinished <= 0)
      throw new RangeError('taskDone() was called more times than items were put: nothing is unfinished.');
    if (--this.#unfinished === 0) this.#releaseJoiners();
  }

  /**
   * Resolves once every item put so far has been marked done with `taskDone()` (or dropped by an immediate
   * shutdown); at once when nothing is unfinished.
   * @throws The signal's reason (rejection) when `signal` aborts first, or at once if it already has;
   * `TimeoutError` when `timeout` ms pass first.
   * @throws TypeError/RangeError (synchronously) for malformed options.
   * @example
   * ```ts
   * await queue.join({ timeout: 30_000 });
   * ```
   */
  join(options?: WaitOptions): Promise<void> {
    const o = waitOptions('queue.join', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#unfinished === 0) return RESOLVED;
    return this.#joiners.wait(o, this.#clock, undefined);
  }

  /**
   * Shuts the queue down (asyncio 3.13): from now on every `put()` rejects and `putNowait()` throws
   * `QueueShutDownError`, and waiting putters reject with it. Getters still receive the items left; once the
   * queue is empty they reject with `QueueShutDownError` (waiting getters at once) and iteration ends.
   * With `immediate: true` the queued items are dropped, each counted as done (so `join()` can resolve), and
   * getters reject at once. Calling it again is harmless.
   * @throws TypeError (synchronously) if `immediate` is not a boolean.
   * @example
   * ```ts
   * queue.shutdown(); // consumers finish what is queued, then stop
   * queue.shutdown({ immediate: true }); // consumers stop now; join() no longer waits for dropped items
   * ```
   */
  shutdown(options?: QueueShutdownOptions): void {
    const o = optionsBag('queue.shutdown options', options);
    const immediate = booleanOption('queue.shutdown options.immediate', o.immediate, DEFAULT_QUEUE.immediate);
    this.#shutDown = true;
    let dropped = 0;
    if (immediate && this.#storage.size > 0) {
      dropped = this.#storage.size;
      this.#unfinished = Math.max(0, this.#unfinished - this.#storage.size);
      this.#storage.clear();
      if (this.#unfinished === 0) this.#releaseJoiners();
    }
    this.#events?.emit('shutdown', { immediate, dropped });
    const error = new QueueShutDownError();
    this.#putters.rejectAll(error);
    // Getters wait only while the queue is empty, so each of them now has nothing left to receive.
    this.#getters.rejectAll(error);
  }

  /**
   * Alias of `shutdown()` (not immediate), so a queue can be handed to `ResourceScope.use()` or `await using`.
   * @example
   * ```ts
   * await using queue = new Queue<number>(); // shut down when the block exits
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.shutdown();
  }

  /**
   * Calls `fn` on every later `event`: 'put' and 'get' with the item, 'shutdown' with `{ immediate, dropped }`.
   * Listeners run synchronously inside the call that caused the event; one that throws does not disturb the
   * queue (its error is rethrown on a microtask).
   * @returns A function that unsubscribes `fn`.
   * @example
   * ```ts
   * const off = queue.on('put', ({ item }) => metrics.count('enqueued'));
   * off();
   * ```
   */
  on<K extends keyof QueueEvents<T>>(event: K, fn: Listener<QueueEvents<T>[K]>): () => void {
    this.#events ??= new Emitter<QueueEvents<T>>();
    return this.#events.on(event, fn);
  }

  /** A fresh snapshot: `{ size, maxsize, unfinished, getters, putters }`. */
  stats(): QueueStats {
    return {
      size: this.#storage.size,
      maxsize: this.#maxsize,
      unfinished: this.#unfinished,
      getters: this.#getters.size,
      putters: this.#putters.size,
    };
  }

  /**
   * Yields items as `get()` returns them, until the queue is shut down and drained; then the loop ends without
   * an error. Iterating does not call `taskDone()`. Breaking out of the loop takes no further item. Each
   * call makes a new iterator; several loops over one queue share its items, as several consumers do.
   * @example
   * ```ts
   * for await (const job of queue) { await run(job); queue.taskDone(); }
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    return new QueueIterator(this);
  }

  /** Takes in an accepted item: straight to the first waiting getter if any (the queue is then empty), else stored. */
  #accept(item: T): void {
    this.#unfinished++;
    const handedOver = this.#getters.grant(item);
    if (!handedOver) this.#storage.push(item);
    const events = this.#events;
    if (events !== undefined) {
      events.emit('put', { item });
      if (handedOver) events.emit('get', { item });
    }
  }

  /** Removes the next item (the queue is not empty) and lets the first waiting putter into the freed slot. */
  #take(): T {
    const item = this.#storage.shift() as T;
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#unfinished++;
      this.#storage.push(putter.data);
      putter.resolve();
    }
    const events = this.#events;
    if (events !== undefined) {
      events.emit('get', { item });
      if (putter !== undefined) events.emit('put', { item: putter.data });
    }
    return item;
  }

  #releaseJoiners(): void {
    for (let node = this.#joiners.shift(); node !== undefined; node = this.#joiners.shift()) node.resolve();
  }
}
