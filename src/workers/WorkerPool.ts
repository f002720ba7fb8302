import type { TransferListItem } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';
import { PoolClosedError, QueueFullError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { linkSignal } from '../core/signals.js';
import type { Source } from '../core/types.js';
import { asyncParallelMap } from '../parallel/asyncParallelMap.js';
import { functionSource, readCallOptions, readMapOptions, taskName } from './calls.js';
import { type PoolConfig, readPoolOptions, type WorkerPoolOptions } from './options.js';
import { PoolThread } from './PoolThread.js';
import { OK, type ResultMessage, SLOT_COUNT } from './protocol.js';
import { Samples, type WorkerPoolStats } from './stats.js';
import { Task } from './Task.js';
import { crashError } from './threadErrors.js';
import { fromWire } from './wireErrors.js';

/** Options of one {@link WorkerPool.run} or {@link WorkerPool.exec} call. */
export interface RunOptions {
  /** Aborts the task: it rejects with `signal.reason`; a queued task never runs, a running one's thread is replaced. */
  signal?: AbortSignal | undefined;
  /** Milliseconds from the call (queue time included) before it rejects with `TimeoutError`. @default the pool's `taskTimeout` */
  timeout?: number | undefined;
  /** Objects moved to the thread instead of copied (ArrayBuffers, MessagePorts); unusable here afterwards. @default none */
  transferList?: readonly TransferListItem[] | undefined;
}

/** Options of {@link WorkerPool.map}: the map options of `asyncParallelMap`, with the pool's own bound. */
export interface WorkerPoolMapOptions<T> {
  /** Items in the pool at once, an integer >= 1 or `Infinity`, pulled lazily. @default 2 x `maxThreads` */
  maxConcurrent?: number | undefined;
  /** Aborts the whole map: it rejects with `signal.reason` once its tasks settled. */
  signal?: AbortSignal | undefined;
  /** Milliseconds for the whole call, then it stops as on abort and rejects with `TimeoutError`. @default Infinity */
  timeout?: number | undefined;
  /** `false`: run every item and reject with an `AggregateError` of all errors. @default true */
  stopOnError?: boolean | undefined;
  /** Called with every item's error as it happens. @default none */
  onError?: ((error: unknown, item: T, index: number) => void) | undefined;
}

/** Tasks one thread may hold at once (see #depth). */
const MAX_DEPTH = 32;

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
 * Invariants: `#queued` counts the tasks in `#queue` whose state is 'queued' (aborted ones are skipped when
 * reached); `#running` counts the tasks in some thread's `inFlight` whose state is 'sent'; a thread's
 * `inFlight` is answered in order.
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
  readonly #queue = new RingBuffer<Task>();
  readonly #threads: PoolThread[] = [];
  readonly #fnIds = new Map<string, number>();
  readonly #fnSources: string[] = [];
  readonly #runTimes = new Samples();
  readonly #waitTimes = new Samples();
  readonly #createdAt: number;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined = undefined;
  #onDrained: (() => void) | undefined = undefined;
  #queued = 0;
  #running = 0;
  #live = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #busyMs = 0;
  #runEwma: number | undefined = undefined;
  #pumping = false;

  /**
   * Builds the pool and starts `minThreads` threads; more start on demand up to `maxThreads`.
   * @throws TypeError if `filename` is not a path or `file:` URL of an existing file, or an option has the
   * wrong type; RangeError if a thread count is not an integer in range, `maxThreads < minThreads`, or a
   * duration is NaN or negative.
   */
  constructor(options?: WorkerPoolOptions) {
    this.#config = readPoolOptions(options);
    this.#createdAt = this.#config.clock.now();
    for (let i = 0; i < this.#config.minThreads; i++) this.#becameIdle(this.#spawn());
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
   * A variable from outside it rejects with a `ReferenceError` naming that variable. Same settlement, abort and
   * timeout rules as {@link run}.
   * @throws TypeError (synchronously) if `fn` is not a function with readable source (native and bound
   * functions are not), `args` is not an array, or an option has the wrong type.
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
    let id = this.#fnIds.get(source);
    if (id === undefined) {
      id = this.#fnSources.length;
      this.#fnSources.push(source);
      this.#fnIds.set(source, id);
    }
    return this.#submit(undefined, id, args ?? [], call) as Promise<Awaited<R>>;
  }

  /**
   * Runs export `name` for every item, at most `maxConcurrent` in the pool at a time, and resolves to the
   * results in input order: `asyncParallelMap` over {@link run}, with the same error, abort and timeout rules
   * (the first error rejects the map and aborts the other items; `timeout` is a deadline for the whole call).
   * @throws TypeError/RangeError (synchronously) for a bad `name`, `items` or option.
   */
  map<T, R = unknown>(name: string, items: Source<T>, options?: WorkerPoolMapOptions<T>): Promise<R[]> {
    taskName('WorkerPool.map', name);
    const o = readMapOptions(options, this.#config.maxThreads * 2);
    return asyncParallelMap<T, R>((item, _index, signal) => this.run<R>(name, item, { signal }), items, {
      ...o,
      clock: this.#config.clock,
    });
  }

  /** A fresh snapshot of the pool's threads, tasks and timings. */
  stats(): WorkerPoolStats {
    let idle = 0;
    for (const t of this.#threads) if (t.retiring === undefined && t.inFlight.length === 0) idle++;
    const age = this.#config.clock.now() - this.#createdAt;
    return {
      threads: this.#live,
      idle,
      queued: this.#queued,
      running: this.#running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      utilization: age > 0 ? Math.min(1, this.#busyMs / (age * this.#config.maxThreads)) : 0,
      runTime: this.#runTimes.percentiles(),
      waitTime: this.#waitTimes.percentiles(),
      minThreads: this.#config.minThreads,
      maxThreads: this.#config.maxThreads,
    };
  }

  /**
   * Stops taking tasks (new calls reject with `PoolClosedError`), lets every task already submitted finish,
   * then stops the threads. Resolves once every thread has exited; calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#state = 'closing';
    const drained = new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
    this.#closing = drained.then(() => this.#stopThreads());
    this.#checkDrained();
    return this.#closing;
  }

  /**
   * Rejects every queued and running task with `PoolClosedError` at once and terminates the threads. Resolves
   * once every thread has exited.
   */
  async destroy(): Promise<void> {
    const closing = this.close();
    const dropped = () => new PoolClosedError('The WorkerPool was destroyed before this task finished.');
    for (let t = this.#queue.shift(); t !== undefined; t = this.#queue.shift())
      if (t.state === 'queued') {
        this.#queued--;
        this.#settle(t, false, dropped(), 'failed');
      }
    for (const thread of [...this.#threads])
      for (const t of thread.inFlight) if (t.state !== 'done') this.#settle(t, false, dropped(), 'failed');
    this.#checkDrained();
    await closing;
  }

  /** `await using pool = new WorkerPool(...)` closes it (see {@link close}). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #submit(
    name: string | undefined,
    fnId: number | undefined,
    arg: unknown,
    call: ReturnType<typeof readCallOptions>,
  ): Promise<unknown> {
    if (this.#state !== 'open')
      return Promise.reject(new PoolClosedError('The WorkerPool is closed and accepts no new tasks.'));
    const { signal, transferList } = call;
    if (signal?.aborted) {
      this.#cancelled++;
      return Promise.reject(signal.reason);
    }
    if (this.#queued >= this.#config.maxQueue && !this.#hasFreeThread())
      return Promise.reject(
        new QueueFullError(
          `The WorkerPool queue is full (maxQueue ${this.#config.maxQueue}); try again later.`,
        ),
      );
    const timeout = call.timeout ?? this.#config.taskTimeout;
    const clock = this.#config.clock;
    return new Promise((resolve, reject) => {
      const task = new Task(name, fnId, arg, transferList, clock.now(), resolve, reject);
      if (signal !== undefined || timeout !== Number.POSITIVE_INFINITY)
        task.scope = linkSignal(signal, {
          timeout,
          clock,
          onAbort: (reason) => this.#abort(task, reason, signal),
        });
      this.#queue.push(task);
      this.#queued++;
      this.#pump();
    });
  }

  #hasFreeThread(): boolean {
    if (this.#live < this.#config.maxThreads) return true;
    for (const t of this.#threads) if (t.retiring === undefined && t.inFlight.length === 0) return true;
    return false;
  }

  /**
   * How many tasks one thread may hold: keep about 1 ms of work queued in each thread, so tiny tasks travel
   * in batches (one message for many) while long ones go one at a time to whichever thread frees up first.
   */
  #depth(): number {
    const ewma = this.#runEwma;
    if (ewma === undefined) return 1;
    return Math.max(1, Math.min(MAX_DEPTH, Math.floor(1 / Math.max(ewma, 1 / MAX_DEPTH))));
  }

  #pickThread(depth: number): PoolThread | undefined {
    let best: PoolThread | undefined;
    for (const t of this.#threads) {
      if (t.retiring !== undefined) continue;
      if (t.inFlight.length === 0) return t;
      if (best === undefined || t.inFlight.length < best.inFlight.length) best = t;
    }
    if (this.#live < this.#config.maxThreads) return this.#spawn();
    return best !== undefined && best.inFlight.length < depth ? best : undefined;
  }

  /** Hands queued tasks to threads while there is room. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const depth = this.#depth();
      while (this.#queued > 0) {
        const thread = this.#pickThread(depth);
        if (thread === undefined) break;
        const room = Math.min(depth, SLOT_COUNT) - thread.inFlight.length;
        const batch: Task[] = [];
        while (batch.length < room && this.#queued > 0) {
          const t = this.#queue.shift() as Task;
          if (t.state !== 'queued') continue;
          this.#queued--;
          batch.push(t);
        }
        this.#send(thread, batch);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #send(thread: PoolThread, batch: Task[]): void {
    if (batch.length === 0) return;
    this.#clearIdleTimer(thread);
    try {
      thread.send(batch, this.#fnSources);
    } catch (error) {
      if (batch.length > 1) {
        for (const t of batch) this.#send(thread, [t]);
        return;
      }
      const t = batch[0] as Task;
      const why = error instanceof Error ? error.message : String(error);
      this.#settle(
        t,
        false,
        new TypeError(`The argument of ${t.label} cannot be sent to a worker thread (${why}).`, {
          cause: error,
        }),
        'failed',
      );
      if (thread.inFlight.length === 0) this.#becameIdle(thread);
      return;
    }
    for (const t of batch) t.state = 'sent';
    this.#running += batch.length;
  }

  #spawn(): PoolThread {
    const thread = new PoolThread(
      this.#config.moduleUrl,
      this.#config.resourceLimits,
      (t, first) => this.#onResults(t, first),
      (t, code) => this.#onExit(t, code),
    );
    this.#threads.push(thread);
    this.#live++;
    return thread;
  }

  #onResults(thread: PoolThread, first: unknown): void {
    this.#result(thread, first as ResultMessage);
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port))
      this.#result(thread, m.message as ResultMessage);
    if (thread.inFlight.length === 0) this.#becameIdle(thread);
    this.#pump();
  }

  #result(thread: PoolThread, [seq, kind, value, runMs]: ResultMessage): void {
    const inFlight = thread.inFlight;
    let task = inFlight.shift();
    while (task !== undefined && task.seq !== seq) task = inFlight.shift();
    if (task === undefined) return;
    thread.ran = true;
    this.#busyMs += runMs;
    this.#runTimes.add(runMs);
    this.#runEwma = this.#runEwma === undefined ? runMs : this.#runEwma * 0.9 + runMs * 0.1;
    if (task.state === 'done') return; // aborted after it started; the result is dropped
    this.#waitTimes.add(Math.max(0, this.#config.clock.now() - task.calledAt - runMs));
    if (kind === OK) this.#settle(task, true, value, 'completed');
    else this.#settle(task, false, fromWire(value), 'failed');
  }

  #settle(task: Task, ok: boolean, value: unknown, outcome: 'completed' | 'failed' | 'cancelled'): void {
    if (task.state === 'sent') this.#running--;
    task.state = 'done';
    task.scope?.dispose();
    if (outcome === 'completed') this.#completed++;
    else if (outcome === 'failed') this.#failed++;
    else this.#cancelled++;
    if (ok) task.resolve(value);
    else task.reject(value);
    if (this.#onDrained !== undefined) this.#checkDrained();
  }

  #abort(task: Task, reason: unknown, signal: AbortSignal | undefined): void {
    if (task.state === 'done') return;
    const outcome = signal?.aborted && signal.reason === reason ? 'cancelled' : 'failed';
    const thread = task.thread;
    if (task.state === 'queued' || thread === undefined) {
      // Still in the queue: it is skipped when reached.
      this.#queued--;
      this.#settle(task, false, reason, outcome);
      return;
    }
    if (thread.tryCancel(task)) {
      thread.inFlight.splice(thread.inFlight.indexOf(task), 1);
      this.#settle(task, false, reason, outcome);
      if (thread.inFlight.length === 0) this.#becameIdle(thread);
      this.#pump();
      return;
    }
    const running = thread.isRunning(task);
    this.#settle(task, false, reason, outcome);
    if (!running) return; // it finished; its result is on its way and will be dropped
    // Take back the tasks queued behind it on that thread. If one has started, this one has finished after
    // all, and the thread lives on; otherwise the thread is stopped and replaced.
    const behind = thread.inFlight.slice(thread.inFlight.indexOf(task) + 1);
    const taken: Task[] = [];
    let moved = false;
    for (const t of behind) {
      if (t.state === 'done') continue;
      if (thread.tryCancel(t)) taken.push(t);
      else {
        moved = true;
        break;
      }
    }
    for (const t of taken) thread.inFlight.splice(thread.inFlight.indexOf(t), 1);
    this.#requeue(taken);
    if (!moved) this.#retire(thread, 'abort');
    this.#pump();
  }

  /** Puts tasks that never started back at the front of the queue, in their order. */
  #requeue(tasks: Task[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) {
      const t = tasks[i] as Task;
      if (t.state === 'sent') this.#running--;
      t.state = 'queued';
      t.thread = undefined;
      this.#queue.unshift(t);
      this.#queued++;
    }
  }

  #onExit(thread: PoolThread, code: number): void {
    this.#clearIdleTimer(thread);
    this.#threads.splice(this.#threads.indexOf(thread), 1);
    if (thread.retiring === undefined) this.#live--;
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port))
      this.#result(thread, m.message as ResultMessage);
    const never: Task[] = [];
    let claimed = thread.ran;
    for (const t of thread.inFlight) {
      if (Atomics.load(thread.slots, t.seq % SLOT_COUNT) !== t.seq) claimed = true;
      if (t.state === 'done') continue;
      if (Atomics.load(thread.slots, t.seq % SLOT_COUNT) === t.seq) never.push(t);
      else this.#settle(t, false, crashError(t, code, thread.error, true), 'failed');
    }
    thread.inFlight = [];
    // A thread that died before taking any task cannot start at all: fail what it held instead of retrying.
    const broken = thread.retiring === undefined && !claimed;
    if (broken)
      for (const t of never) this.#settle(t, false, crashError(t, code, thread.error, false), 'failed');
    else this.#requeue(never);
    const crashed = thread.retiring === undefined || thread.retiring === 'abort';
    if (crashed && !broken && this.#state !== 'closed' && this.#live < this.#config.maxThreads)
      this.#becameIdle(this.#spawn());
    this.#pump();
    this.#checkDrained();
  }

  #retire(thread: PoolThread, why: 'idle' | 'abort' | 'close'): void {
    if (thread.retiring !== undefined) return;
    this.#live--;
    thread.retire(why);
  }

  #becameIdle(thread: PoolThread): void {
    thread.setRef(false);
    const { idleTimeout, minThreads, clock } = this.#config;
    if (
      this.#live <= minThreads ||
      idleTimeout === Number.POSITIVE_INFINITY ||
      thread.idleTimer !== undefined
    )
      return;
    thread.idleTimer = clock.setTimeout(() => {
      thread.idleTimer = undefined;
      if (thread.inFlight.length === 0 && thread.retiring === undefined && this.#live > minThreads)
        this.#retire(thread, 'idle');
    }, idleTimeout);
    (thread.idleTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  #clearIdleTimer(thread: PoolThread): void {
    if (thread.idleTimer === undefined) return;
    this.#config.clock.clearTimeout(thread.idleTimer);
    thread.idleTimer = undefined;
  }

  #checkDrained(): void {
    if (this.#onDrained === undefined || this.#queued > 0 || this.#running > 0) return;
    const resolve = this.#onDrained;
    this.#onDrained = undefined;
    resolve();
  }

  async #stopThreads(): Promise<void> {
    this.#state = 'closed';
    for (const t of this.#threads) {
      this.#clearIdleTimer(t);
      this.#retire(t, 'close');
    }
    await Promise.all(this.#threads.map((t) => t.exited));
  }
}
