import type { Clock } from '../core/Clock.js';
import { captureContext } from '../core/context.js';
import { CancelledError, ExecutorShutdownError } from '../core/errors.js';
import type { ItemWork, Source, Work } from '../core/types.js';
import {
  assertFunction,
  assertObject,
  booleanOption,
  clockOption,
  concurrencyOption,
  finiteOption,
  optionsBag,
  signalOption,
  stringOption,
  timeoutOption,
} from '../core/validate.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import { MapRun } from '../parallel/MapRun.js';
import { readMapOptions } from '../parallel/mapOptions.js';
import type { MapSlots, Outcome } from '../parallel/slots.js';
import { AsyncTask, type AsyncTaskOptions, kOwn, kStart, kTake, type TaskOwner } from '../task/AsyncTask.js';
import {
  type AsyncExecutorEvents,
  type AsyncExecutorOptions,
  DEFAULT_MAX_WORKERS,
  type ExecutorStats,
  type MapAsyncOptions,
  type ShutdownOptions,
  type SubmitOptions,
} from './options.js';
import { type QueueEntry, RunQueue } from './RunQueue.js';

export type {
  AsyncExecutorEvents,
  AsyncExecutorOptions,
  ExecutorStats,
  MapAsyncOptions,
  ShutdownOptions,
  SubmitOptions,
} from './options.js';

let executorCounter = 0;

const throwShutdown = (): never => {
  throw new ExecutorShutdownError();
};

/**
 * A bounded executor (PyFerris `AsyncExecutor`): at most `maxWorkers` tasks run at once, the rest wait in a
 * priority queue (higher first, FIFO among equals) and start as slots free up. Every task gets an
 * AbortSignal, sees the submitter's AsyncLocalStorage context, and times out counting from submission.
 * A cancelled or timed-out running task rejects at once but keeps its slot until its work settles.
 *
 * After `shutdown()`, `submitAsync` returns a task already rejected with `ExecutorShutdownError` (the work
 * never runs) and `mapAsync` rejects with it. `await using` shuts down with the defaults.
 * @throws RangeError if `maxWorkers` is not an integer >= 1 or `Infinity`; TypeError for options of the wrong type.
 * @example
 * ```ts
 * await using executor = new AsyncExecutor({ maxWorkers: 4 });
 * const task = executor.submitAsync((signal) => fetch(url, { signal }), { timeout: 5000 });
 * const sizes = await executor.mapAsync(async (file) => (await stat(file)).size, files);
 * console.log(await task, sizes, executor.stats());
 * ```
 */
export class AsyncExecutor implements AsyncDisposable {
  /*
   * Slots: `#busy` counts the slots in use, by running tasks and by map runs (an item, or the pull before it).
   * The run queue holds one kind of entry, anything that can be offered a free slot (`kTake`): a queued task,
   * or a map run asking for its next slot. Invariant: while a slot is free and nothing is pumping, no live
   * entry waits, so a submission that finds a slot free starts at once without jumping a queue.
   */
  /** The executor's label. */
  readonly name: string;
  /** The concurrency bound. */
  readonly maxWorkers: number;
  readonly #clock: Clock;
  /** Options handed to tasks submitted without options. */
  readonly #taskDefaults: AsyncTaskOptions | undefined;
  readonly #queue = new RunQueue();
  #busy = 0;
  #running = 0;
  /** Live tasks in the queue (a task cancelled there leaves the count at once, the ring lazily). */
  #queued = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #pumping = false;
  #shutdown = false;
  /**
   * Tasks started, for `shutdown({ cancelPending })`: appended at start and swept of finished ones only once it
   * has grown to twice the running count, which costs less per task than a Set's add and delete.
   */
  #started: AsyncTask<unknown>[] = [];
  readonly #runs = new Set<MapRun<unknown, unknown>>();
  #idleWaiters: (() => void)[] = [];
  readonly #owner: TaskOwner;
  readonly #slots: MapSlots;
  readonly #events = new Emitter<AsyncExecutorEvents>();
  /** Subscriptions to the task events: the hot path builds no payload while there are none. */
  #taskListeners = 0;

  /**
   * @param options The options, or the number of workers (`new AsyncExecutor(4)`).
   * @throws RangeError for a bad `maxWorkers`; TypeError for options of the wrong type.
   */
  constructor(options?: AsyncExecutorOptions | number) {
    const o =
      typeof options === 'number' ? { maxWorkers: options } : optionsBag('AsyncExecutor options', options);
    this.maxWorkers = concurrencyOption(
      'AsyncExecutor options.maxWorkers',
      o.maxWorkers,
      DEFAULT_MAX_WORKERS,
    );
    this.name = stringOption('AsyncExecutor options.name', o.name) ?? `Executor-${++executorCounter}`;
    this.#clock = clockOption('AsyncExecutor options.clock', o.clock);
    this.#taskDefaults = o.clock === undefined ? undefined : { clock: this.#clock };
    this.#owner = {
      taskSettled: (task) => this.#taskSettled(task),
      workSettled: (task, now) => this.#workSettled(task, now),
      taskStarting: (task) => {
        this.#queued--;
        this.#begin(task);
      },
      readsFailure: () => this.#events.has('taskSettled'),
    };
    this.#slots = {
      tryTake: () => {
        if (this.#busy >= this.maxWorkers || this.#pumping || this.#queue.size > 0) return false;
        this.#busy++;
        return true;
      },
      wait: (grant) => {
        const entry: QueueEntry = {
          [kTake]: () => {
            if (!grant()) return false;
            this.#busy++;
            return true;
          },
          cancel: () => {}, // the run is stopped on its own; its grant then declines the slot
        };
        this.#queue.push(entry, 0);
        if (this.#busy < this.maxWorkers) this.#pump();
      },
      give: (outcome) => this.#give(outcome),
      started: () => {
        this.#running++;
      },
    };
  }

  /**
   * Submits `fn` and returns its task at once; the task starts when a slot is free. Its `timeout` counts from
   * now, queue time included; cancelling it in the queue means it never runs.
   * @throws TypeError if `fn` is not a function or an option has the wrong type; RangeError for a NaN
   * `timeout` or a non-finite `priority`. After `shutdown()` nothing throws: the task is already rejected
   * with `ExecutorShutdownError`.
   * @example
   * ```ts
   * const urgent = executor.submitAsync(() => ping(), { priority: 10, name: 'ping' });
   * ```
   */
  submitAsync<T>(fn: Work<T>, options?: SubmitOptions): AsyncTask<T> {
    assertFunction('submitAsync fn', fn);
    let priority = 0;
    let taskOptions = this.#taskDefaults;
    if (options !== undefined) {
      assertObject('submitAsync options', options);
      priority = finiteOption('submitAsync options.priority', options.priority, 0);
      taskOptions = {
        name: stringOption('submitAsync options.name', options.name),
        timeout: timeoutOption('submitAsync options.timeout', options.timeout),
        signal: signalOption('submitAsync options.signal', options.signal),
        clock: this.#clock,
      };
    }
    if (this.#shutdown) {
      const rejected = new AsyncTask<T>(throwShutdown, { name: taskOptions?.name, clock: this.#clock });
      rejected[kStart]();
      return rejected;
    }
    const task = new AsyncTask<T>(fn, taskOptions);
    const t = task as AsyncTask<unknown>;
    const startsNow = this.#busy < this.maxWorkers && !this.#pumping;
    this.#queued++; // undone by #workSettled if the task settles at once (signal already aborted)
    task[kOwn](this.#owner, true, startsNow ? undefined : captureContext());
    if (this.#taskListeners > 0) this.#events.emit('taskQueued', { task: t });
    if (task.status !== 'pending') return task;
    if (startsNow) {
      // No live entry waits while a slot is free, so this jumps no queue; the context is the current one.
      this.#queued--;
      this.#begin(t);
      task[kStart](this.#taskListeners > 0 ? undefined : task.submittedAt);
    } else {
      this.#queue.push(t, priority);
      if (this.#busy < this.maxWorkers) this.#pump();
    }
    return task;
  }

  /**
   * Runs `fn(item, index, signal)` for every item on this executor's slots and resolves to the results in
   * input order: `asyncParallelMap`'s engine and rules, with the executor's `maxWorkers` as the bound shared
   * with submitted tasks. Items are pulled lazily (Iterable or AsyncIterable), each when a slot is free, and
   * an item waits for its `limiter` token in its slot. The first error rejects the call with that error,
   * aborts the other items' signal and starts nothing new; with `stopOnError: false` everything runs and the
   * call rejects with an `AggregateError` of every error in input order. Either way it settles only after
   * every item it started has settled, and the source of a call that stopped early has been closed.
   * @throws TypeError if `fn` is not a function, `items` is not iterable, `maxConcurrent` is given or an option
   * has the wrong type; RangeError for a NaN `timeout`. Rejects with `ExecutorShutdownError` after
   * `shutdown()`, with `signal.reason` on abort and with `TimeoutError` at the deadline (which does not wait
   * for a pending `next()` of the source; the slot it held comes back at once).
   * @example
   * ```ts
   * const pages = await executor.mapAsync((url, _i, signal) => fetch(url, { signal }), urls, { timeout: 10_000 });
   * ```
   */
  mapAsync<T, R>(fn: ItemWork<T, R>, items: Source<T>, options?: MapAsyncOptions<T>): Promise<R[]> {
    const config = readMapOptions('mapAsync', fn, items, options, false);
    if (options?.clock === undefined) config.clock = this.#clock;
    if (this.#shutdown) return Promise.reject(new ExecutorShutdownError());
    if (config.signal?.aborted) return Promise.reject(config.signal.reason);
    const runs = this.#runs;
    const slots: MapSlots = {
      ...this.#slots,
      closed: () => {
        runs.delete(run as MapRun<unknown, unknown>);
        this.#checkIdle();
      },
    };
    const run = new MapRun(fn, items, config, false, slots);
    runs.add(run as MapRun<unknown, unknown>);
    return run.start();
  }

  /**
   * Stops accepting work. With `cancelPending`, queued tasks are cancelled (they never run) and running ones
   * are cancelled with their signals aborted (a `CancelledError`); map calls in flight reject with it. With
   * `wait` (the default), resolves once running work, and without `cancelPending` queued work too, has settled.
   * Calling it again is allowed (e.g. to cancel what a first, graceful call is waiting for).
   * @throws TypeError if an option is not a boolean.
   * @example
   * ```ts
   * await executor.shutdown({ cancelPending: true });
   * ```
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    const o = optionsBag('shutdown options', options);
    const cancelPending = booleanOption('shutdown options.cancelPending', o.cancelPending, false);
    const wait = booleanOption('shutdown options.wait', o.wait, true);
    this.#shutdown = true;
    this.#events.emit('shutdown', { cancelPending, wait });
    if (cancelPending) {
      const reason = new CancelledError(`Executor ${this.name} was shut down with cancelPending.`);
      for (const entry of this.#queue.drain()) entry.cancel(reason);
      for (const run of [...this.#runs]) run.stop(reason);
      const started = this.#started;
      this.#started = [];
      for (const task of started) task.cancel(reason);
    }
    if (!wait || this.#isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** `shutdown()` with its defaults: stop accepting work and wait for queued and running work to settle. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Calls `listener(payload)` on every later `event`: `taskQueued`, `taskStart` and `taskSettled` for tasks from
   * `submitAsync` (map items are counted in `stats()` only), `shutdown` for each `shutdown()` call. A
   * `taskSettled` listener hears every failure, so failed tasks are then not reported as unread.
   * @returns An unsubscribe function; calling it again does nothing.
   * @throws TypeError if `listener` is not a function.
   * @example
   * ```ts
   * const off = executor.on('taskSettled', ({ task, status }) => log(task.name, status, task.duration));
   * ```
   */
  on<K extends keyof AsyncExecutorEvents>(event: K, listener: Listener<AsyncExecutorEvents[K]>): () => void {
    const off = this.#events.on(event, listener);
    if (event === 'shutdown') return off;
    this.#taskListeners++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#taskListeners--;
      off();
    };
  }

  /** A fresh snapshot of the counters. */
  stats(): ExecutorStats {
    return {
      running: this.#running,
      queued: this.#queued,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      maxWorkers: this.maxWorkers,
    };
  }

  /** Takes a slot for `task`, which starts right after. */
  #begin(task: AsyncTask<unknown>): void {
    this.#busy++;
    this.#running++;
    const started = this.#started;
    started.push(task);
    if (started.length >= 64 && started.length > 2 * this.#running)
      this.#started = started.filter((t) => !t.isDone);
    if (this.#taskListeners > 0) this.#events.emit('taskStart', { task });
  }

  /**
   * Offers free slots to queued entries, in order. Re-entrant calls (work settling synchronously) are folded in.
   * @param now A clock reading just taken (a settling task's `finishedAt`): the `startedAt` of the first task
   * started, unless a `taskStart` listener runs in between.
   */
  #pump(now?: number): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const queue = this.#queue;
    let at = this.#taskListeners > 0 ? undefined : now;
    while (this.#busy < this.maxWorkers) {
      const entry = queue.shift();
      if (entry === undefined) break;
      // Whatever took the slot ran code of its own: the reading would go stale.
      if (entry[kTake](at)) at = undefined;
    }
    this.#pumping = false;
    this.#checkIdle();
  }

  /** A map run gives a slot back; `outcome` is set when an item ran in it. */
  #give(outcome: Outcome | undefined): void {
    this.#busy--;
    if (outcome !== undefined) {
      if (--this.#running === 0) this.#started.length = 0;
      this.#count(outcome);
    }
    this.#pump();
  }

  #taskSettled(task: AsyncTask<unknown>): void {
    const status = task.status as 'fulfilled' | 'rejected' | 'cancelled';
    this.#count(status === 'fulfilled' ? 'completed' : status === 'rejected' ? 'failed' : 'cancelled');
    if (this.#taskListeners > 0) this.#events.emit('taskSettled', { task, status });
  }

  #count(outcome: Outcome): void {
    if (outcome === 'completed') this.#completed++;
    else if (outcome === 'failed') this.#failed++;
    else this.#cancelled++;
  }

  #workSettled(task: AsyncTask<unknown>, now: number | undefined): void {
    if (task.startedAt !== undefined) {
      this.#busy--;
      if (--this.#running === 0) this.#started.length = 0; // all settled: hold no finished task
      this.#pump(now);
    } else {
      this.#queued--; // cancelled or timed out before it started: its slot was never taken
      this.#checkIdle();
    }
  }

  #isIdle(): boolean {
    return this.#busy === 0 && this.#queued === 0 && this.#runs.size === 0;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
