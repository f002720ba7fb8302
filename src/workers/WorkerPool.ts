import type { TransferListItem } from 'node:worker_threads';
import { PoolClosedError, QueueFullError } from '../core/errors.js';
import { linkSignal } from '../core/signals.js';
import type { ItemWork, Source } from '../core/types.js';
import { MapRun } from '../parallel/MapRun.js';
import { type AsyncParallelMapOptions, readMapOptions } from '../parallel/mapOptions.js';
import { type CallConfig, functionSource, readCallOptions, taskName } from './calls.js';
import type { ExecFunction } from './FunctionCache.js';
import { type PoolConfig, readPoolOptions, WORKER_POOL_DEFAULTS, type WorkerPoolOptions } from './options.js';
import { Scheduler } from './Scheduler.js';
import type { WorkerPoolStats } from './stats.js';
import { Task } from './Task.js';

/** Options of one {@link WorkerPool.run} or {@link WorkerPool.exec} call. */
export interface RunOptions {
  /** Aborts the task: it rejects with `signal.reason`; a queued task never runs, a running one's thread is replaced. */
  signal?: AbortSignal | undefined;
  /** Milliseconds from the call (queue time included) before it rejects with `TimeoutError`. @default the pool's `taskTimeout` */
  timeout?: number | undefined;
  /** Objects moved to the thread instead of copied (ArrayBuffers, MessagePorts); unusable here afterwards. @default none */
  transferList?: readonly TransferListItem[] | undefined;
}

/**
 * Options of {@link WorkerPool.map}: those of `asyncParallelMap` (`signal`, `timeout`, `stopOnError`,
 * `limiter`, `onError`, `onProgress`, with the same meaning and defaults), with the pool's own default bound;
 * time comes from the pool's `clock`.
 */
export interface WorkerPoolMapOptions<T> extends Omit<AsyncParallelMapOptions<T>, 'maxConcurrent' | 'clock'> {
  /**
   * Items in the pool at once (running or waiting for a thread), an integer >= 1 or `Infinity`; items are
   * pulled from the input only as they free up. The default, twice `maxThreads`, keeps a next item waiting
   * for every thread, so a thread that finishes starts again without waiting for the map to pull one, while
   * a long or endless input stays in memory a few items at a time.
   * @default 2 x `maxThreads` (`WORKER_POOL_DEFAULTS.mapItemsPerThread` per thread)
   */
  maxConcurrent?: number | undefined;
}

/**
 * A pool of worker threads for CPU-bound work (`ferris/workers`, Node only): named exports of a task module
 * run with {@link run} and {@link map}, self-contained functions with {@link exec}.
 *
 * A task that throws rejects only itself, with its own error (name, message, stack, cause and properties
 * such as `code` kept; built-in classes such as `RangeError` revived as themselves) and its thread lives on.
 * A thread that exits, crashes or runs out of memory rejects the task it was running with `WorkerError`
 * (`exitCode`, `cause`) and is replaced; tasks waiting behind it run elsewhere. Aborting or timing out a task
 * that waits in the queue removes it (it never runs); one that runs has its thread terminated and replaced.
 * Idle threads never keep the process alive. Every task settles exactly once.
 *
 * The queue, the threads and how tasks move between them live in `Scheduler.ts`; this class checks the
 * calls and turns each into a task.
 *
 * @example
 * ```ts
 * await using pool = new WorkerPool({ filename: new URL('./tasks.js', import.meta.url), maxThreads: 4 });
 * const hash = await pool.run<string>('sha256', buffer, { timeout: 5_000 });
 * const squares = await pool.exec((n: number) => n * n, [12]);
 * ```
 */
export class WorkerPool {
  readonly #config: PoolConfig;
  readonly #scheduler: Scheduler;
  #closing: Promise<void> | undefined = undefined;

  /**
   * Builds the pool and starts `minThreads` threads; more start on demand up to `maxThreads`.
   * @throws TypeError if `filename` is not a path or `file:` URL of an existing file, or an option has the
   * wrong type; RangeError if a thread count is not an integer in range, `maxThreads < minThreads`, or a
   * duration is NaN or negative.
   */
  constructor(options?: WorkerPoolOptions) {
    this.#config = readPoolOptions(options);
    this.#scheduler = new Scheduler(this.#config);
  }

  /** Most threads at once. */
  get maxThreads(): number {
    return this.#config.maxThreads;
  }

  /**
   * Runs the task module's export `name` as `fn(arg)` on a thread and resolves to its result (copied back
   * with the structured clone algorithm; `transferList` moves buffers instead of copying them).
   * @throws TypeError (synchronously) if `name` is not a non-empty string, the pool has no `filename`, or an
   * option has the wrong type; RangeError if `timeout` is NaN.
   * @returns A promise of the result. It rejects with the task's own error; `WorkerError` if its thread died;
   * `signal.reason` on abort; `TimeoutError` past `timeout`; `QueueFullError` past `maxQueue`; `PoolClosedError`
   * after `close()`/`destroy()`; a TypeError naming the task if it is not exported or its argument or result
   * cannot be cloned.
   * @example
   * ```ts
   * const thumbnail = await pool.run<Uint8Array>('resize', image, { transferList: [image.buffer], timeout: 10_000 });
   * ```
   */
  run<R = unknown>(name: string, arg?: unknown, options?: RunOptions): Promise<R> {
    taskName('WorkerPool.run', name);
    if (this.#config.moduleUrl === null)
      throw new TypeError(
        'WorkerPool.run needs a pool built with `filename` (a task module); use exec(fn, args) for functions.',
      );
    return this.#submit(name, undefined, arg, readCallOptions('WorkerPool.run', options)) as Promise<R>;
  }

  /**
   * Runs a self-contained function on a thread as `fn(...args)` and resolves to its result, without a task
   * module (`loop.run_in_executor(pool, fn, x)` is `pool.exec(fn, [x])`). Its source is sent to the thread,
   * once per thread, and compiled there: it sees only its parameters, its own locals and the thread's globals.
   * The pool remembers the last 128 distinct functions (by source); past that, the least recently used one is
   * forgotten by the pool and its threads, and sent and compiled again if it is called again.
   * A variable from outside it rejects with a `ReferenceError` naming that variable. Same settlement, abort and
   * timeout rules as {@link run}.
   * @throws TypeError (synchronously) if `fn` is not a function with readable source (native and bound
   * functions are not), `args` is not an array, or an option has the wrong type.
   * @example
   * ```ts
   * // asyncio: await loop.run_in_executor(pool, cpu_bound, 10**6)
   * const total = await pool.exec((n: number) => {
   *   let sum = 0;
   *   for (let i = 0; i < n; i++) sum += i * i;
   *   return sum;
   * }, [1_000_000]);
   * ```
   */
  exec<A extends readonly unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: RunOptions,
  ): Promise<Awaited<R>> {
    const source = functionSource('WorkerPool.exec', fn);
    if (args !== undefined && !Array.isArray(args))
      throw new TypeError(`WorkerPool.exec args must be an array of arguments, got ${typeof args}.`);
    const call = readCallOptions('WorkerPool.exec', options);
    const known = this.#scheduler.execFunction(source);
    return this.#submit(undefined, known, args ?? [], call) as Promise<Awaited<R>>;
  }

  /**
   * Runs export `name` for every item, at most `maxConcurrent` in the pool at a time (default twice
   * `maxThreads`), and resolves to the results in input order: the map engine of `asyncParallelMap` over
   * {@link run}, with the same error, abort, timeout and progress rules (the first error rejects the map and
   * aborts the other items; `timeout` is a deadline for the whole call; `onProgress` hears every item settle).
   * @throws TypeError/RangeError (synchronously) for a bad `name`, `items` or option.
   * @example
   * ```ts
   * const digests = await pool.map<Uint8Array, string>('sha256', chunks, {
   *   timeout: 60_000,
   *   onProgress: ({ done, total }) => console.log(`${done}/${total ?? '?'}`),
   * });
   * ```
   */
  map<T, R = unknown>(name: string, items: Source<T>, options?: WorkerPoolMapOptions<T>): Promise<R[]> {
    taskName('WorkerPool.map', name);
    const fn: ItemWork<T, R> = (item, _index, signal) => this.run<R>(name, item, { signal });
    const config = readMapOptions<T>('WorkerPool.map', fn, items, options);
    if ((options as { clock?: unknown } | undefined)?.clock !== undefined)
      throw new TypeError(
        "WorkerPool.map options.clock is not an option here (the pool's clock applies); pass it to the WorkerPool.",
      );
    if (options?.maxConcurrent === undefined)
      config.maxConcurrent = this.#config.maxThreads * WORKER_POOL_DEFAULTS.mapItemsPerThread;
    config.clock = this.#config.clock;
    if (config.signal?.aborted) return Promise.reject(config.signal.reason);
    return new MapRun(fn, items, config, false).start();
  }

  /** A fresh snapshot of the pool's threads, tasks and timings (see {@link WorkerPoolStats}). */
  stats(): WorkerPoolStats {
    return this.#scheduler.stats();
  }

  /**
   * Stops taking tasks (new calls reject with `PoolClosedError`), lets every task already submitted finish,
   * then stops the threads. Resolves once every thread has exited; calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing === undefined)
      this.#closing = this.#scheduler.drained().then(() => this.#scheduler.stopThreads());
    return this.#closing;
  }

  /**
   * Rejects every queued and running task with `PoolClosedError` at once and terminates the threads. Resolves
   * once every thread has exited.
   */
  async destroy(): Promise<void> {
    const closing = this.close();
    this.#scheduler.dropAll(
      () => new PoolClosedError('The WorkerPool was destroyed before this task finished.'),
    );
    await closing;
  }

  /** `await using pool = new WorkerPool(...)` closes it (see {@link close}). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #submit(
    name: string | undefined,
    fn: ExecFunction | undefined,
    arg: unknown,
    call: CallConfig,
  ): Promise<unknown> {
    if (this.#closing !== undefined)
      return Promise.reject(new PoolClosedError('The WorkerPool is closed and accepts no new tasks.'));
    const { signal, transferList } = call;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const scheduler = this.#scheduler;
    if (scheduler.queued >= this.#config.maxQueue && !scheduler.hasFreeThread())
      return Promise.reject(
        new QueueFullError(
          `The WorkerPool queue is full (maxQueue ${this.#config.maxQueue}); try again later.`,
        ),
      );
    const timeout = call.timeout ?? this.#config.taskTimeout;
    const clock = this.#config.clock;
    return new Promise((resolve, reject) => {
      const task = new Task(name, fn, arg, transferList, clock.now(), resolve, reject);
      if (signal !== undefined || timeout !== Number.POSITIVE_INFINITY)
        task.scope = linkSignal(signal, {
          timeout,
          clock,
          onAbort: (reason) => scheduler.abort(task, reason, signal),
        });
      scheduler.enqueue(task);
    });
  }
}
