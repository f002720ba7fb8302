import type { Clock } from '../core/Clock.js';
import { captureContext } from '../core/context.js';
import { CancelledError, ExecutorShutdownError, QueueFullError } from '../core/errors.js';
import type { ItemWork, Source, WaitOptions, Work } from '../core/types.js';
import {
  assertFunction,
  booleanOption,
  clockOption,
  concurrencyOption,
  integerOption,
  limiterOption,
  optionsBag,
  stringOption,
  waitOptions,
} from '../core/validate.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import { MapRun } from '../parallel/MapRun.js';
import { readMapOptions } from '../parallel/mapOptions.js';
import { AsyncTask, type AsyncTaskOptions } from '../task/AsyncTask.js';
import { ARM_NOW, kOwn, kStart } from '../task/owner.js';
import { BurstClock } from './BurstClock.js';
import {
  type AsyncExecutorEvents,
  type AsyncExecutorOptions,
  DEFAULT_EXECUTOR,
  type ExecutorStats,
  type MapAsyncOptions,
  readSubmitOptions,
  type ShutdownOptions,
  type SubmitOptions,
} from './options.js';
import { rejectedTask, Scheduler } from './Scheduler.js';

export type {
  AsyncExecutorEvents,
  AsyncExecutorOptions,
  ExecutorStats,
  MapAsyncOptions,
  ShutdownOptions,
  SubmitOptions,
} from './options.js';

let executorCounter = 0;

/**
 * A bounded executor (PyFerris `AsyncExecutor`): at most `maxWorkers` tasks run at once, the rest wait in a
 * priority queue (higher first, FIFO among equals) and start as slots free up. Every task gets an
 * AbortSignal, sees the submitter's AsyncLocalStorage context, and times out counting from submission.
 * A cancelled or timed-out running task rejects at once but keeps its slot until its work settles.
 *
 * The controls p-queue, bottleneck and piscina users expect are here: `pause()`/`resume()`, `clear()`,
 * `onIdle()`/`onEmpty()`/`onSizeLessThan()`, a settable `maxWorkers`, `maxQueue` (load shedding) and a
 * `limiter` that paces starts. After `shutdown()`, `submitAsync` returns a task already rejected with
 * `ExecutorShutdownError` (the work never runs) and `mapAsync` rejects with it. `await using` shuts down with
 * the defaults.
 * @throws RangeError if `maxWorkers` is not an integer >= 1 or `Infinity`, or `maxQueue` is not an integer
 * >= 0 or `Infinity`; TypeError for options of the wrong type.
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
  /** How many tasks may wait to start; see {@link AsyncExecutorOptions.maxQueue}. */
  readonly maxQueue: number;
  readonly #clock: Clock;
  /** Options handed to tasks submitted without options. */
  readonly #taskDefaults: AsyncTaskOptions | undefined;
  readonly #scheduler: Scheduler;
  #shutdown = false;
  readonly #events = new Emitter<AsyncExecutorEvents>();
  /** Submission times of queued tasks: one reading per burst of submissions. */
  readonly #burst: BurstClock;

  /**
   * @param options The options, or the number of workers (`new AsyncExecutor(4)`).
   * @throws RangeError for a bad `maxWorkers` or `maxQueue`; TypeError for options of the wrong type.
   */
  constructor(options?: AsyncExecutorOptions | number) {
    const o =
      typeof options === 'number' ? { maxWorkers: options } : optionsBag('AsyncExecutor options', options);
    const maxWorkers = concurrencyOption(
      'AsyncExecutor options.maxWorkers',
      o.maxWorkers,
      DEFAULT_EXECUTOR.maxWorkers,
    );
    this.maxQueue = integerOption(
      'AsyncExecutor options.maxQueue',
      o.maxQueue,
      DEFAULT_EXECUTOR.maxQueue,
      0,
      true,
    );
    this.name = stringOption('AsyncExecutor options.name', o.name) ?? `Executor-${++executorCounter}`;
    this.#clock = clockOption('AsyncExecutor options.clock', o.clock);
    this.#burst = new BurstClock(this.#clock);
    this.#taskDefaults = o.clock === undefined ? undefined : { clock: this.#clock };
    this.#scheduler = new Scheduler(
      this.#events,
      maxWorkers,
      this.#clock,
      limiterOption('AsyncExecutor options.limiter', o.limiter),
    );
  }

  /** The concurrency bound. Setting it (an integer >= 1 or `Infinity`) applies at once: raising it starts queued work. */
  get maxWorkers(): number {
    return this.#scheduler.maxWorkers;
  }

  set maxWorkers(value: number) {
    if (value === undefined) throw new TypeError('AsyncExecutor.maxWorkers must be a number, got undefined.');
    this.#scheduler.maxWorkers = concurrencyOption('AsyncExecutor.maxWorkers', value, Number.NaN);
  }

  /** Whether the executor is paused: running work goes on, queued work waits for `resume()`. */
  get isPaused(): boolean {
    return this.#scheduler.paused;
  }

  /** How many tasks wait to start (for a slot, or for their limiter token). */
  get size(): number {
    return this.#scheduler.queued;
  }

  /**
   * Submits `fn` and returns its task at once; the task starts when a slot is free. Its `timeout` counts from
   * now, queue time included; cancelling it in the queue means it never runs.
   * @throws TypeError if `fn` is not a function or an option has the wrong type; RangeError for a NaN
   * `timeout` or a non-finite `priority`. Nothing throws after `shutdown()` or past `maxQueue`: the task is
   * already rejected, with `ExecutorShutdownError` or `QueueFullError`.
   * @example
   * ```ts
   * const urgent = executor.submitAsync(() => ping(), { priority: 10, name: 'ping' });
   * ```
   */
  submitAsync<T>(fn: Work<T>, options?: SubmitOptions): AsyncTask<T> {
    assertFunction('submitAsync fn', fn);
    let priority = 0;
    let taskOptions = this.#taskDefaults;
    if (options !== undefined) ({ priority, task: taskOptions } = readSubmitOptions(options, this.#clock));
    const scheduler = this.#scheduler;
    if (this.#shutdown) return rejectedTask(new ExecutorShutdownError(), taskOptions?.name, this.#clock);
    const startsNow = scheduler.startsNow;
    if (!startsNow && scheduler.queued >= this.maxQueue)
      return rejectedTask(
        new QueueFullError(
          `Executor ${this.name} has ${scheduler.queued} task(s) queued, its maxQueue; retry later or raise maxQueue.`,
        ),
        taskOptions?.name,
        this.#clock,
      );
    const task = new AsyncTask<T>(fn, taskOptions);
    const t = task as AsyncTask<unknown>;
    scheduler.admitted(); // undone if the task settles at once (signal already aborted)
    // One clock reading serves as submission and start of a task that starts at once; a queued task's
    // submission is read only for listeners (a Recorder draws the queue wait from it), once per burst.
    const now = startsNow ? this.#clock.now() : scheduler.listening ? this.#burst.now() : undefined;
    const flags = ARM_NOW | scheduler.signals.flags(fn);
    task[kOwn](scheduler, flags, startsNow ? undefined : captureContext(), now);
    const announced = scheduler.hearsQueued;
    if (announced) this.#events.emit('taskQueued', { task: t });
    if (task.isDone) return task; // its signal was already aborted
    if (startsNow) {
      // Nothing live waits while a slot is free, so this jumps no queue; the context is the current one.
      scheduler.startedAtOnce(t);
      // A listener ran code in between: the reading would be stale as a start time.
      task[kStart](announced || scheduler.hearsStart ? undefined : now);
    } else scheduler.enqueue(t, priority);
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
    const runs = this.#scheduler.runs;
    const slots = this.#scheduler.slotsFor(
      () => run,
      () => runs.delete(run),
    );
    const run: MapRun<T, R> = new MapRun(fn, items, config, false, slots);
    runs.add(run);
    return run.start();
  }

  /** Holds queued work: running work goes on, nothing new starts until `resume()`; submissions queue. */
  pause(): void {
    this.#scheduler.paused = true;
  }

  /** Lets queued work start again after `pause()`. */
  resume(): void {
    this.#scheduler.paused = false;
  }

  /**
   * Cancels every queued task (they never run; each rejects with `reason`, default a `CancelledError`, and is
   * 'cancelled') and returns how many. Running tasks and map calls go on.
   */
  clear(reason?: unknown): number {
    return this.#scheduler.clear(reason ?? new CancelledError(`Executor ${this.name} was cleared.`));
  }

  /**
   * Resolves once nothing is queued or running (no task, no map call), at once if so already.
   * @throws TypeError for bad options. Rejects with `signal.reason` or `TimeoutError`.
   */
  onIdle(options?: WaitOptions): Promise<void> {
    const o = waitOptions('AsyncExecutor.onIdle', options);
    return this.#scheduler.until(() => this.#scheduler.idle, o);
  }

  /**
   * Resolves once no task waits to start (running ones may go on), at once if so already.
   * @throws TypeError for bad options. Rejects with `signal.reason` or `TimeoutError`.
   */
  onEmpty(options?: WaitOptions): Promise<void> {
    const o = waitOptions('AsyncExecutor.onEmpty', options);
    return this.#scheduler.until(() => this.#scheduler.queued === 0, o);
  }

  /**
   * Resolves once fewer than `limit` tasks wait to start (p-queue's `onSizeLessThan`): a producer can await it
   * before each submit to keep the queue short.
   * @throws RangeError if `limit` is not an integer >= 1 (or `Infinity`); TypeError for bad options.
   * @example
   * ```ts
   * for await (const job of jobs) {
   *   await executor.onSizeLessThan(100);
   *   executor.submitAsync((signal) => handle(job, signal));
   * }
   * ```
   */
  onSizeLessThan(limit: number, options?: WaitOptions): Promise<void> {
    if (limit === undefined)
      throw new TypeError('AsyncExecutor.onSizeLessThan limit must be a number, got undefined.');
    const n = integerOption('AsyncExecutor.onSizeLessThan limit', limit, Number.NaN, 1, true);
    const o = waitOptions('AsyncExecutor.onSizeLessThan', options);
    return this.#scheduler.until(() => this.#scheduler.queued < n, o);
  }

  /**
   * Stops accepting work. With `cancelPending`, queued tasks are cancelled (they never run) and running ones
   * are cancelled with their signals aborted (a `CancelledError`); map calls in flight reject with it. With
   * `wait` (the default), resolves once running work, and without `cancelPending` queued work too, has settled.
   * Calling it again is allowed (e.g. to cancel what a first, graceful call is waiting for). A paused executor
   * still runs its queued work when shut down without `cancelPending`: shutting down resumes it.
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
    const scheduler = this.#scheduler;
    if (cancelPending)
      scheduler.cancelAll(new CancelledError(`Executor ${this.name} was shut down with cancelPending.`));
    scheduler.paused = false;
    if (!wait) return Promise.resolve();
    return scheduler.until(() => scheduler.idle, undefined);
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
    const scheduler = this.#scheduler;
    scheduler.heard(event, 1);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      scheduler.heard(event, -1);
      off();
    };
  }

  /**
   * One small executor that started a task at once and queued another, kept for as long as the class lives
   * (as MapRun keeps a run). A forced full GC frees the hidden classes of objects that are all dead; the
   * optimized submit and settle path depends on them and was thrown away after each `gc()` and learnt again
   * on the next executor (`node --trace-deopt`). Measured in one process with `gc()` before each run of
   * 200,000 tasks at concurrency 16, keeping them saves about 15% per task.
   */
  static readonly #kept: unknown[] = [];
  static {
    const executor = new AsyncExecutor({ maxWorkers: 1, name: 'ferris.shapes' });
    const first = executor.submitAsync(async () => 0, { name: 'shape' });
    const queued = executor.submitAsync(async () => 1, { name: 'shape' });
    AsyncExecutor.#kept.push(executor, first, queued, captureContext());
    void Promise.all([first, queued]).then(() => executor.shutdown());
  }

  /** A fresh snapshot of the counters. */
  stats(): ExecutorStats {
    return {
      ...this.#scheduler.stats(),
      maxWorkers: this.#scheduler.maxWorkers,
      maxQueue: this.maxQueue,
      paused: this.#scheduler.paused,
    };
  }
}
