import type { Clock } from '../core/Clock.js';
import { type Context, callInContext, captureContext, runInContext } from '../core/context.js';
import { CancelledError, ExecutorShutdownError } from '../core/errors.js';
import type { ItemWork, Source, Work } from '../core/types.js';
import {
  assertFunction,
  assertObject,
  assertSource,
  booleanOption,
  clockOption,
  concurrencyOption,
  describe,
  finiteOption,
  optionsBag,
  signalOption,
  timeoutOption,
} from '../core/validate.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import {
  AsyncTask,
  type AsyncTaskOptions,
  kOwn,
  kPark,
  kStart,
  kUnpark,
  type TaskOwner,
} from '../task/AsyncTask.js';
import { MapCall, type MapHost, type Outcome } from './MapCall.js';
import type {
  AsyncExecutorEvents,
  AsyncExecutorOptions,
  ExecutorStats,
  MapAsyncOptions,
  ShutdownOptions,
  SubmitOptions,
} from './options.js';
import { RunQueue } from './RunQueue.js';

export type {
  AsyncExecutorEvents,
  AsyncExecutorOptions,
  ExecutorStats,
  MapAsyncOptions,
  ShutdownOptions,
  SubmitOptions,
} from './options.js';

type Entry = AsyncTask<unknown> | MapCall<unknown, unknown>;

let executorCounter = 0;

function startTask(this: AsyncTask<unknown>, now: number | undefined): void {
  this[kStart](now);
}
const grantRun = (run: MapCall<unknown, unknown>): void => run.grant();
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
  /** The executor's label. */
  readonly name: string;
  /** The concurrency bound. */
  readonly maxWorkers: number;
  readonly #clock: Clock;
  /** Options handed to tasks submitted without options. */
  readonly #taskDefaults: AsyncTaskOptions | undefined;
  readonly #queue = new RunQueue<Entry>();
  /** Slots in use: running tasks, and the pulls, token waits and items of map runs. */
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
  readonly #runs = new Set<MapCall<unknown, unknown>>();
  #idleWaiters: (() => void)[] = [];
  readonly #owner: TaskOwner;
  readonly #host: MapHost;
  readonly #events = new Emitter<AsyncExecutorEvents>();
  /** Subscriptions to `taskStart`/`taskSettled`: the hot path builds no payload while there are none. */
  #taskListeners = 0;

  /**
   * @param options The options, or the number of workers (`new AsyncExecutor(4)`).
   * @throws RangeError for a bad `maxWorkers`; TypeError for options of the wrong type.
   */
  constructor(options?: AsyncExecutorOptions | number) {
    const o =
      typeof options === 'number' ? { maxWorkers: options } : optionsBag('AsyncExecutor options', options);
    this.maxWorkers = concurrencyOption('AsyncExecutor options.maxWorkers', o.maxWorkers, 10);
    if (o.name !== undefined && typeof o.name !== 'string')
      throw new TypeError(`AsyncExecutor options.name must be a string, got ${describe(o.name)}.`);
    this.name = o.name ?? `Executor-${++executorCounter}`;
    this.#clock = clockOption('AsyncExecutor options.clock', o.clock);
    this.#taskDefaults = o.clock === undefined ? undefined : { clock: this.#clock };
    this.#owner = {
      taskSettled: (task) => this.#taskSettled(task),
      workSettled: (task, now) => this.#workSettled(task, now),
    };
    const clock = this.#clock;
    this.#host = {
      clock,
      requestSlot: (run) => this.#requestSlot(run),
      itemStarted: () => {
        this.#running++;
      },
      releaseSlot: (outcome) => this.#releaseSlot(outcome),
      runSettled: (run) => {
        this.#runs.delete(run);
        this.#checkIdle();
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
      if (options.name !== undefined && typeof options.name !== 'string')
        throw new TypeError(`submitAsync options.name must be a string, got ${describe(options.name)}.`);
      taskOptions = {
        name: options.name,
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
    this.#queued++; // undone by #workSettled if the task settles at once (signal already aborted)
    task[kOwn](this.#owner, true);
    if (task.status !== 'pending') return task;
    if (this.#busy < this.maxWorkers && !this.#pumping) {
      // No live entry waits while a slot is free, so this jumps no queue; the context is the current one.
      this.#queued--;
      this.#begin(t);
      task[kStart]();
    } else {
      task[kPark](captureContext());
      this.#queue.push(t, priority);
      if (this.#busy < this.maxWorkers) this.#pump();
    }
    return task;
  }

  /**
   * Runs `fn(item, index, signal)` for every item on this executor's slots and resolves to the results in
   * input order. Items are pulled lazily (Iterable or AsyncIterable) as slots free up. The first error rejects
   * the call with that error, aborts the other items' signal and starts nothing new; with `stopOnError: false`
   * everything runs and the call rejects with an `AggregateError` of every error in input order. Either way it
   * settles only after every item it started has settled.
   * @throws TypeError if `fn` is not a function, `items` is not iterable or an option has the wrong type;
   * RangeError for a NaN `timeout`. Rejects with `ExecutorShutdownError` after `shutdown()`, with
   * `signal.reason` on abort and with `TimeoutError` at the deadline.
   * @example
   * ```ts
   * const pages = await executor.mapAsync((url, _i, signal) => fetch(url, { signal }), urls, { timeout: 10_000 });
   * ```
   */
  mapAsync<T, R>(fn: ItemWork<T, R>, items: Source<T>, options?: MapAsyncOptions<T>): Promise<R[]> {
    assertFunction('mapAsync fn', fn);
    assertSource('mapAsync items', items);
    const o = optionsBag('mapAsync options', options);
    const signal = signalOption('mapAsync options.signal', o.signal);
    const stopOnError = booleanOption('mapAsync options.stopOnError', o.stopOnError, true);
    const timeout = timeoutOption('mapAsync options.timeout', o.timeout);
    if (o.onError !== undefined) assertFunction('mapAsync options.onError', o.onError);
    const limiter = o.limiter;
    if (limiter !== undefined && typeof (limiter as { acquire?: unknown } | null)?.acquire !== 'function')
      throw new TypeError(
        `mapAsync options.limiter must have an acquire() method, got ${describe(limiter)}.`,
      );
    if (this.#shutdown) return Promise.reject(new ExecutorShutdownError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const run = new MapCall<T, R>(
      this.#host,
      fn,
      items,
      {
        signal,
        stopOnError,
        timeout,
        onError: o.onError as ((error: unknown, item: unknown, index: number) => void) | undefined,
        limiter,
      },
      captureContext(),
    );
    this.#runs.add(run as MapCall<unknown, unknown>);
    run.start();
    return run.promise;
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
      for (const entry of this.#queue.drain()) {
        if (entry instanceof AsyncTask) entry.cancel(reason);
        else entry.queued = false;
      }
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
   * Calls `listener(payload)` on every later `event`: `taskStart` and `taskSettled` for tasks from
   * `submitAsync` (map items are counted in `stats()` only), `shutdown` for each `shutdown()` call.
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

  /** Takes a slot for `task`, which the caller starts right after. */
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
   * Starts queued entries while slots are free. Re-entrant calls (work settling synchronously) are folded in.
   * @param now A clock reading just taken (a settling task's `finishedAt`): the `startedAt` of the first task
   * started, unless a `taskStart` listener runs in between.
   */
  #pump(now?: number): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const queue = this.#queue;
    while (this.#busy < this.maxWorkers) {
      const entry = queue.shift();
      if (entry === undefined) break;
      if (entry instanceof AsyncTask) {
        if (entry.status !== 'pending') continue; // settled in the queue: already left the count
        const context = entry[kUnpark]() as Context;
        this.#queued--;
        this.#begin(entry);
        const at = this.#taskListeners > 0 ? undefined : now;
        now = undefined;
        callInContext(context, startTask, entry, at);
      } else if (entry.wantsSlot) {
        this.#busy++;
        now = undefined; // the grant runs the map's code: the reading would go stale
        runInContext(entry.context, grantRun, entry);
      } else entry.queued = false;
    }
    this.#pumping = false;
    this.#checkIdle();
  }

  #requestSlot(run: MapCall<unknown, unknown>): void {
    this.#queue.push(run, 0);
    if (this.#busy < this.maxWorkers) this.#pump();
  }

  #releaseSlot(outcome: Outcome | undefined): void {
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
